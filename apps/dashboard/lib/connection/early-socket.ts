/**
 * The daemon socket opened by an inline script in the page's <head>, before the dashboard's JavaScript (~1 MB) has
 * loaded: the handshake and the open run's history then travel while that code is parsed and run, instead of after
 * (issue 6: a stored 1M-step run opens in < 1 s). The script buffers what it hears; the DaemonClient takes the
 * socket over (`takeEarlySocket`) and replays the buffer as if it had opened the socket itself.
 *
 * The script is plain JavaScript in a string (it runs before any bundle) and reads the same settings as
 * lib/settings.ts (query, then localStorage, then the default); test/early-socket.test.ts checks they agree.
 */
import { DEFAULT_DAEMON_URL } from "../settings.ts";
import type { SocketLike } from "./client.ts";

/** Where the script leaves its socket (a property of `window`). */
export const EARLY_SOCKET_GLOBAL = "__orreryEarlySocket";

/** The request id of the script's history request (the client's own ids are `d…`). */
export const EARLY_HISTORY_ID = "early-history";

export interface EarlySocket {
  url: string;
  token: string;
  /** The name sent in the hello (trimmed; "" for none). */
  name: string;
  /** The run whose history the script asks for once the welcome lists it. */
  runId: string | null;
  ws: SocketLike;
  /** Everything heard so far, in order (strings and ArrayBuffers), not yet handled. */
  messages: unknown[];
  /** The hello has been sent. */
  opened: boolean;
  /** The run whose history was requested as EARLY_HISTORY_ID, once it was. */
  historyFor: string | null;
}

/** The inline script: opens the socket, says hello, asks for the open run's history after the welcome. */
export function earlySocketScript(protocol: number, historyPoints: number): string {
  return `(function(){try{
var w=window,ls=null;try{ls=w.localStorage}catch(e){}
function get(k){try{return ls?ls.getItem(k):null}catch(e){return null}}
var q=new URLSearchParams(w.location.search);
var raw=q.get("daemon");if(raw===null)raw=get("orrery.daemon");if(raw===null)raw="${DEFAULT_DAEMON_URL}";
var url=raw.trim();
if(!url)url="${DEFAULT_DAEMON_URL}";else{if(/^https?:\\/\\//i.test(url))url=url.replace(/^http/i,"ws");if(!/^wss?:\\/\\//i.test(url))url="ws://"+url;url=url.replace(/\\/+$/,"")}
var token=q.get("token");if(token===null)token=get("orrery.token");if(token===null)token="";
var m=/(?:^#|&)run=([^&]+)/.exec(w.location.hash);
var run=m?decodeURIComponent(m[1]):get("orrery.run:"+url);
var name=(get("orrery.name")||"").trim();
var ws=new WebSocket(url.trim().replace(/\\/+$/,"")+"/?token="+encodeURIComponent(token));
ws.binaryType="arraybuffer";
var s={url:url,token:token,name:name,runId:run,ws:ws,messages:[],opened:false,historyFor:null};
ws.onopen=function(){s.opened=true;var h={type:"hello",protocol:${protocol},client:"dashboard"};if(name)h.name=name;ws.send(JSON.stringify(h))};
ws.onmessage=function(ev){s.messages.push(ev.data);
if(run&&s.historyFor===null&&typeof ev.data==="string"&&ev.data.indexOf('"welcome"')>=0){try{var wm=JSON.parse(ev.data);
if(wm.type==="welcome"&&wm.runs.some(function(r){return r.runId===run})){s.historyFor=run;ws.send(JSON.stringify({type:"history",runId:run,maxPoints:${historyPoints},id:"${EARLY_HISTORY_ID}"}))}}catch(e){}}};
ws.onclose=function(){s.closed=true};
w.${EARLY_SOCKET_GLOBAL}=s;
}catch(e){}})();`;
}

/**
 * The early socket if it is still usable and points where the client does (same daemon, token and name); it is
 * handed over once. One that does not match is closed (its daemon would hold a second viewer for nothing).
 */
export function takeEarlySocket(url: string, token: string, name: string, host: Record<string, unknown> | null = globalHost()): EarlySocket | null {
  const early = host?.[EARLY_SOCKET_GLOBAL] as (EarlySocket & { closed?: boolean }) | undefined;
  if (!host || !early) return null;
  delete host[EARLY_SOCKET_GLOBAL];
  const usable = !early.closed && (early.ws.readyState === 0 || early.ws.readyState === 1);
  if (usable && early.url === url && early.token === token && early.name === name.trim()) return early;
  try {
    early.ws.onopen = early.ws.onmessage = early.ws.onclose = null;
    early.ws.close(1000, "not the daemon on screen");
  } catch {
    /* already closed */
  }
  return null;
}

function globalHost(): Record<string, unknown> | null {
  return typeof window === "undefined" ? null : (window as unknown as Record<string, unknown>);
}
