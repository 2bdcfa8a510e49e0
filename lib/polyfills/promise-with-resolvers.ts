// aws-local-stepfunctions 3 calls Promise.withResolvers (ES2024), which Node 20 lacks. Imported for
// its side effect by the local state machine runner and the test setup.
if (typeof (Promise as { withResolvers?: unknown }).withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    value: function withResolvers<T>() {
      let resolve!: (value: T | PromiseLike<T>) => void;
      let reject!: (reason?: unknown) => void;
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
    configurable: true,
    writable: true,
  });
}

export {};
