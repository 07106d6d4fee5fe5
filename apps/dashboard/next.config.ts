import type { NextConfig } from "next";
import { fileURLToPath } from "node:url";

const nextConfig: NextConfig = {
  // @orrery/protocol ships TypeScript source with `.ts`-suffixed relative imports.
  transpilePackages: ["@orrery/protocol"],
  reactStrictMode: true,
  poweredByHeader: false,
  // The monorepo root holds the lockfile; say so, so Next does not guess.
  turbopack: { root: fileURLToPath(new URL("../..", import.meta.url)) },
  outputFileTracingRoot: fileURLToPath(new URL("../..", import.meta.url)),
};

export default nextConfig;
