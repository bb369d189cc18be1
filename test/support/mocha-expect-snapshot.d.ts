// What mocha-expect-snapshot exports beside `jestExpect`, which its own types leave out.
import 'mocha-expect-snapshot';

declare module 'mocha-expect-snapshot' {
  type Hook = (this: Mocha.Context) => void | Promise<void>;
  export const mochaHooks: { beforeAll: Hook; beforeEach: Hook; afterEach: Hook; afterAll: Hook };
  export function setSnapshotStateOptions(options: { updateSnapshot?: 'all' | 'new' | 'none' }): void;
}
