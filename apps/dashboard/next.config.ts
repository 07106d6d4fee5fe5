import type { NextConfig } from "next";
import { fileURLToPath } from "node:url";

const nextConfig: NextConfig = {
  // @orrery/protocol and @orrery/experiments (only its pure `/analysis` subpath, see the import-boundary lint)
  // ship TypeScript source with `.ts`-suffixed relative imports.
  transpilePackages: ["@orrery/protocol", "@orrery/experiments"],
  reactStrictMode: true,
  poweredByHeader: false,
  // The monorepo root holds the lockfile; say so, so Next does not guess.
  turbopack: { root: fileURLToPath(new URL("../..", import.meta.url)) },
  outputFileTracingRoot: fileURLToPath(new URL("../..", import.meta.url)),
};

export default nextConfig;
