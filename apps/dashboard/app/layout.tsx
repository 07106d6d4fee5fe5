import type { Metadata } from "next";
import type { ReactNode } from "react";
import { PROTOCOL_VERSION } from "@orrery/protocol";
import { DEFAULT_HISTORY_POINTS } from "../lib/connection/client.ts";
import { earlySocketScript } from "../lib/connection/early-socket.ts";
import "./globals.css";

export const metadata: Metadata = {
  title: "Orrery — watch small networks learn",
  description: "Live view of a training run: metrics, embeddings and weights as they form.",
};

// Opens the daemon socket while the page's scripts load (see lib/connection/early-socket.ts).
const early = earlySocketScript(PROTOCOL_VERSION, DEFAULT_HISTORY_POINTS);

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <head>
        <script dangerouslySetInnerHTML={{ __html: early }} />
      </head>
      <body className="font-sans antialiased">{children}</body>
    </html>
  );
}
