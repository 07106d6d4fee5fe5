import { LabLoader } from "../lab/LabLoader.tsx";

/** The one page: the lab, rendered in the browser only (it lives on a WebSocket). */
export default function Page() {
  return <LabLoader />;
}
