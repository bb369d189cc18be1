/**
 * The nginx image's own /etc/nginx/nginx.conf (one worker, mime types, the sites it
 * includes), run in the foreground with every path it writes under `prefix`.
 */
export function nginxMainConf(prefix: string, include: string, errorLog = `${prefix}/error.log`): string {
  return `worker_processes 1;
daemon off;
pid ${prefix}/nginx.pid;
error_log ${errorLog} notice;
events { worker_connections 1024; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    log_format main '$remote_addr - $remote_user [$time_local] "$request" '
                    '$status $body_bytes_sent "$http_referer" '
                    '"$http_user_agent" "$http_x_forwarded_for"';
    access_log ${prefix}/access.log main;
    client_body_temp_path ${prefix}/client_body;
    proxy_temp_path ${prefix}/proxy;
    fastcgi_temp_path ${prefix}/fastcgi;
    uwsgi_temp_path ${prefix}/uwsgi;
    scgi_temp_path ${prefix}/scgi;
    sendfile on;
    keepalive_timeout 65;
    include ${include};
}
`;
}
