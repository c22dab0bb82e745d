import { defineConfig } from 'tsup';

// The published SDK: one ESM and one CommonJS file, each with its declarations. The contract (wire
// types, codes and the shared `grants` rule) is bundled in through the `paths` of
// tsconfig.build.json, so the tarball installs on its own; what the SDK uses of it is plain code,
// so the JavaScript loads nothing but Node's built-ins.
export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm', 'cjs'],
  target: 'node20',
  platform: 'node',
  outDir: 'dist',
  clean: true,
  dts: true,
  noExternal: ['@leasehold/contract'],
  removeNodeProtocol: false,
  tsconfig: 'tsconfig.build.json',
});
