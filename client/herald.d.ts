// Types for herald.js, the browser client of Herald (see herald.js for the full contract).

/** A stream's place: its epoch and the offset of the last notice handed on. */
export interface Position {
  epoch: string;
  offset: number;
}

/** A notice as the server sends it. */
export interface Notice {
  type: "notice";
  id: string;
  event: string;
  data: unknown;
  ts: number;
  /** Set for a channel's notice. */
  channel?: string;
  /** The publishing user, for a notice a client published on a channel. */
  from?: string;
  /** Set where the stream keeps notices. */
  offset?: number;
  epoch?: string;
  urgent?: boolean;
  /** A binary payload, base64-encoded; herald.js decodes it into {@link bytes}. */
  data_b64?: string;
  bytes?: Uint8Array | null;
}

/** A refusal or failure: "forbidden", "bad_channel", "limit", "unavailable", "bad_frame", "disconnected", ... */
export interface HeraldError {
  code: string;
  message: string;
}

export type Status = "connecting" | "open" | "closed" | "waiting" | "stopped";

export interface HeraldOptions {
  /** Default: this page's origin + /herald/ws. */
  url?: string;
  /** A token, or a function returning one (called before each connection); none when the upgrade is authenticated. */
  token?: string | (() => string | Promise<string>);
  onNotice?: (notice: Notice) => void;
  /** detail: the welcome frame for "open", {code, reason} for "closed" and "stopped", {delay, why} for "waiting". */
  onStatus?: (status: Status, detail?: any) => void;
  /** The server could not replay all that a stream missed: stream is "user" or the channel's name. */
  onGap?: (stream: string, detail: { epoch: string; offset: number; had: Position }) => void;
  /** Replay the user's unread notices on a first connection of this device. */
  inbox?: boolean;
  /** Reconnect backoff, milliseconds: the first wait is between minDelay / 2 and minDelay, doubling up to maxDelay. */
  minDelay?: number;
  maxDelay?: number;
  pingInterval?: number;
  pongTimeout?: number;
  /** Where positions are kept across reloads (default sessionStorage; null: memory only). */
  storage?: Pick<Storage, "getItem" | "setItem"> | null;
  storageKey?: string;
}

export interface ChannelHandlers {
  onNotice?: (notice: Notice) => void;
  onSubscribed?: (channel: string) => void;
  onJoin?: (user: string) => void;
  onLeave?: (user: string) => void;
  onError?: (error: HeraldError) => void;
}

export interface Presence {
  users: string[];
  userCount: number;
  sessions: number;
  /** The user to pass as after for the next page, when more follow. */
  next?: string;
}

export declare class HeraldClient {
  constructor(options?: HeraldOptions);
  /** Connects, and reconnects after every loss until close(). */
  connect(): void;
  /** Closes the connection for good. */
  close(): void;
  /** Subscribes to a channel, now and after every reconnect, resuming from the channel's position. */
  subscribe(channel: string, handlers?: ChannelHandlers): { channel: string; unsubscribe(): void };
  unsubscribe(channel: string): void;
  /** Publishes on a channel; resolves to the notice id, rejects with a HeraldError. */
  publish(channel: string, event: string, data?: unknown): Promise<string>;
  /** A channel's users (a page of them) and session count. */
  presence(channel: string, after?: string): Promise<Presence>;
  /** Marks the user's notices read up to offset, for every device; resolves to the read cursor. */
  ack(offset: number): Promise<number>;
  /** The current session's id, or null while not connected. */
  readonly sessionId: string | null;
}

export default HeraldClient;
