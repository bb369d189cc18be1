// Preloaded into each measured process (NODE_OPTIONS=--import): reports its peak
// resident memory on exit, in kilobytes, on a line of its own.
process.on('exit', () => {
  process.stderr.write(`\n@@maxrss ${process.resourceUsage().maxRSS}\n`);
});
