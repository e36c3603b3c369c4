// Generated from the server's OpenAPI document (/v1/openapi.json) by
// crates/terrain-server/tests/console_types.rs: never edit by hand.
// `TERRAIN_BLESS=1 cargo nextest run -p terrain-server --test console_types` rewrites it.
/* eslint-disable */

/** An armed group or person held responsible, and how sure that is. */
export type Actor = {
  attribution: Attribution;
  /** ACLED's actor type: 1 state forces, 2 rebels, 3 political militias, 4 identity militias, 5 rioters, 6 protesters, 7 civilians, 8 external/other forces. */
  inter?: number | null;
  name: string;
};

/** A number as a source gave it: exact, a range, or a word. */
export type Amount = number | {
  max: number;
  min: number;
} | VagueAmount;

/** A photo or document kept with the report, named by its content. */
export type Attachment = {
  caption?: string | null;
  file_name: string;
  media_type: string;
  /** Set on a reduced copy of a photo (a smaller JPEG sent first on a slow link): the sha256 of the original, an attachment of the same report. Absent on everything else, so records without copies hash as before. */
  reduced_of?: string | null;
  /** Lower-case hex sha256 of the file's bytes. */
  sha256: string;
  size: number;
};

export type Attribution = "claimed" | "suspected" | "confirmed";

/** One audit log entry, as GET /v1/audit answers it (administrators only). */
export type AuditEntry = {
  /** sign_in, sign_in_failed, locked_out, sign_in_throttled, token_refused, push, verify, user_add, token_revoke, upload_complete, upload_hash_mismatch, upload_reset, uploads_expired */
  action: string;
  /** Who acted (the name tried, for a failed sign-in); absent for the server's command line. */
  actor?: string | null;
  /** RFC 3339, UTC. */
  at: string;
  detail: string;
  device?: string | null;
};

/** GET /v1/audit?since=RFC3339&user=NAME&limit=N: oldest first. */
export type AuditPage = {
  events: AuditEntry[];
  /** The `offset` of the next page, when there may be more. */
  next?: number | null;
};

/** What importing one bundle did: the server's `Imported`, as the console shows it. */
export type BundleImported = {
  already: number;
  conflicts: number;
  decisions_sent: number;
  device: string;
  /** The file's name, as sent. */
  file: string;
  /** The device's link operations: stored now, already held, refused. */
  links: number;
  links_already: number;
  links_refused: number;
  links_sent: number;
  /** Photos stored now (those already held are not counted). */
  photos: number;
  /** What the reply carries to the device: reports, review decisions, link operations and site revisions it does not have yet (besides the receipts of what it sent). */
  pulled: number;
  refused: number;
  /** The reply's files, in order (more than one when it was split), to carry back to the device and read in the app's Sync screen (or `terrain bundle read`). */
  replies: ReplyFile[];
  /** The device's site revisions: stored now, already held, stored as a conflict, refused. */
  sites: number;
  sites_already: number;
  sites_conflicts: number;
  sites_refused: number;
  sites_sent: number;
  /** The device's revisions: stored now, already held, stored as a conflict, refused. */
  stored: number;
  /** Whose device wrote it. */
  user: string;
};

/** One source's statement of a figure. */
export type Claim = {
  amount: Amount;
  /** Names the claim across revisions and devices, so the merge tells an edited claim from a new one. `crate::check` gives one to a claim that has none; revisions made before claims had ids have none, and their claims match by value. */
  id?: string | null;
  note?: string | null;
  /** When the source said it, if known. */
  said_on?: string | null;
  /** The `key` of one of the report's sources. */
  source: string;
};

/** What a list of claims amounts to. */
export type ClaimsSummary = {
  /** How many claims the figure rests on. */
  claims: number;
  /** The most conservative figure: the lowest any source allows. */
  conservative: number;
  /** True when the claims do not all state the same figure. */
  disputed: boolean;
  max: number;
  min: number;
};

/** The signed-in browser: who, with which role and regions, and the token to send as `CSRF_HEADER`. Answered by POST and GET /v1/console/session. */
export type ConsoleSession = {
  /** This session's CSRF token: send it as `X-CSRF-Token` with every POST, PUT, PATCH and DELETE. */
  csrf: string;
  /** When the session ends whatever its use (RFC 3339, UTC). */
  expires_at: string;
  /** Minutes without a request after which the session ends. */
  idle_minutes: number;
  /** Regions (admin1) the user reads; empty for an admin: all. */
  regions: string[];
  role: Role;
  user: string;
};

/** POST /v1/console/session: the same account as on a device. */
export type ConsoleSignIn = {
  password: string;
  user: string;
};

export type Coordinates = {
  latitude: number;
  longitude: number;
};

/** What counts are grouped by. */
export type CountBy = "region_week" | "event_type";

/** One group's count. */
export type CountRow = {
  count: number;
  /** The region, or the event type's label (`""`: none given). */
  key: string;
  /** `region_week`: the incident's ISO week, `2026-W48`. */
  week?: string | null;
};

/** GET /v1/reports/counts: rows by key then week (ascending). */
export type Counts = {
  by: CountBy;
  rows: CountRow[];
  /** All reports the filter selects. */
  total: number;
};

export type DatePrecision = "exact" | "day" | "week" | "month";

/** GET /v1/admin/users/{name}/devices: newest first. */
export type DeviceList = {
  devices: DeviceRow[];
  user: string;
};

/** One device token of a user (GET /v1/admin/users/{name}/devices). The id is opaque: derived from the token's stored hash, it tells nothing of the token. */
export type DeviceRow = {
  /** RFC 3339, UTC. */
  created_at: string;
  /** For POST /v1/admin/devices/{id}/revoke: 32 lower-case hex digits. */
  id: string;
  /** RFC 3339, UTC (written about once a minute). */
  last_used_at: string;
  /** The name the device signed in with. */
  name: string;
  /** RFC 3339, UTC; absent while the token is valid. */
  revoked_at?: string | null;
};

/** Every error answer's body. */
export type ErrorBody = {
  error: ErrorDetail;
};

export type ErrorDetail = {
  /** Stable, for programs: see `codes`. */
  code: string;
  /** Plain words, for people. */
  message: string;
};

/** ACLED's six event types. */
export type EventType = "Battles" | "Explosions/Remote violence" | "Violence against civilians" | "Protests" | "Riots" | "Strategic developments";

/** The language of a PDF's words. */
export type ExportLang = "en" | "fr";

/** What a figure counts. */
export type FigureKind = "killed" | "injured" | "abducted" | "missing" | "displaced" | "attackers" | "buildings_burned" | "vehicles_destroyed" | "sites_attacked";

export type GeoPrecision = "place" | "near" | "region";

/** GET /health: `{"status": "ok", "protocol": [1]}`, or (503) the storage does not answer. */
export type Health = {
  /** The protocol versions the server speaks; absent when it cannot serve. */
  protocol?: number[];
  /** "ok", or what is wrong. */
  status: string;
};

/** One stored revision of a report, as its history shows it. */
export type HistoryEntry = {
  /** Who wrote it, and on which device (as the revision says). */
  author: string;
  /** The sha256 it was stored with. */
  content_hash: string;
  created_at: string;
  device: string;
  /** Nothing follows it: a current head. */
  head: boolean;
  parents: string[];
  /** Who pushed it (the signed-in user and their device's name); absent for revisions stored before the server recorded it. */
  pushed_by?: string | null;
  pushed_device?: string | null;
  /** When the server stored it, and at which feed position. */
  received_at: string;
  rev_id: string;
  seq: number;
  /** The stored content still has that hash (recomputed for this answer). */
  verified: boolean;
};

/** One figure of an incident. */
export type IncidentFigure = {
  /** Every claim of every report, in report order then as written. */
  claims: SourcedClaim[];
  kind: FigureKind;
  summary: ClaimsSummary;
};

/** What the linked reports of one incident say together. */
export type IncidentFigures = {
  /** The earliest start and the latest end any report gives. */
  earliest: Moment;
  /** One per figure any report gives, in figure order. */
  figures: IncidentFigure[];
  latest: Moment;
  /** The reports, each once, in the order given. */
  reports: string[];
  sites: IncidentSite[];
  sources: IncidentSource[];
};

/** A site of the incident and what each report says happened to it. */
export type IncidentSite = {
  /** (report, damage) for each report naming the site. */
  named_in: ([string, string | null])[];
  site_id: string;
};

/** A source of the incident, met in one report or more (the same name, folded). */
export type IncidentSource = {
  /** Each report that cites it, with its key there. */
  cited_in: [string, string][];
  kind: SourceKind;
  name: string;
  reliability: Reliability;
};

/** GET /v1/incidents/{id}: the incident the report is in (alone: itself). */
export type IncidentView = {
  /** What its reports say together: every figure's claims by source, the conservative value. */
  figures?: IncidentFigures | null;
  /** The smallest report id among its reports (as ACLED's event id names one event). */
  id: string;
  /** Its reports, sorted. */
  reports: string[];
};

/** Two reports that may be one incident: the reasons, and a score to rank suggestions by (higher is likelier; no meaning beyond order). */
export type Likeness = {
  reasons: Reason[];
  score: number;
};

/** What a person decided about a pair of reports. */
export type LinkAction = "link" | "unlink" | "dismiss";

/** One decision about one pair of reports, as devices and the server exchange and keep it. */
export type LinkOp = {
  action: LinkAction;
  at: string;
  /** The user who decided. */
  by: string;
  device: string;
  /** Derived from everything else, so an operation received twice is kept once. */
  id: string;
  /** The pair, smaller id first. */
  reports: string[];
};

/** POST /v1/incidents/links: at most `crate::limits::LINK_OPS` operations, as devices make them (`terrain_domain::incident::LinkSet::make`). */
export type LinkOps = {
  ops: LinkOp[];
};

export type LinkResult = {
  id: string;
  status: LinkStatus;
};

/** The answer to POST /v1/incidents/links: one result per operation, in order. */
export type LinkResults = {
  results: LinkResult[];
};

/** What became of one operation. */
export type LinkStatus = "stored" | "already_have";

/** Terrain's own categories for what ACLED's taxonomy does not single out. */
export type LocalCategory = "economic_sabotage" | "industrial_site_attack" | "mine_attack" | "fuel_convoy_attack" | "fuel_blockade" | "fuel_shortage" | "power_cut" | "road_blockade" | "kidnapping_for_ransom" | "extortion" | "arson" | "threat";

/** Where it happened. Admin names are spelled as the gazetteer spells them once validated. */
export type Location = {
  /** Region, e.g. "Kayes". Required for a final report. */
  admin1?: string;
  /** Cercle, e.g. "Bafoulabé". */
  admin2?: string | null;
  /** Commune. */
  admin3?: string | null;
  coordinates?: Coordinates | null;
  geo_precision?: GeoPrecision;
  /** The place as people name it: a village, a road, "near Bafoulabé". */
  place?: string | null;
};

/** A reported moment: a date, and a time when one was given. */
export type Moment = {
  date: string;
  time?: string | null;
};

/** POST /v1/admin/users: a new user. Refused (`user_exists`) when the name is taken. */
export type NewUser = {
  name: string;
  /** At least `crate::limits::PASSWORD_MIN_CHARS` characters. */
  password: string;
  /** Regions of Mali (admin1); a reporter or reviewer needs at least one. */
  regions?: string[];
  role: Role;
};

/** POST /v1/incidents/decisions: link, unlink or dismiss one pair as the signed-in user; the server makes the operation (stamped after every operation it holds on the pair, so it wins) and keeps it as `POST /v1/incidents/links` would, answering it. */
export type PairDecision = {
  action: LinkAction;
  /** The two reports, in any order. */
  reports: string[];
};

/** POST /v1/admin/users/{name}/password: a new password, set by an administrator. */
export type PasswordReset = {
  /** At least `crate::limits::PASSWORD_MIN_CHARS` characters. */
  password: string;
};

/** GET /v1/pull?since=N&limit=M */
export type PullPage = {
  /** Link operations (issue 15) on pairs with a report in the reader's regions, stored after the request's `links_since`, oldest first (at most `limits::PULL_LINKS`). Empty when the request had no `links_since` and from older servers. */
  links?: LinkOp[];
  /** The link feed's cursor for the next pull; absent when the request had no `links_since` and from older servers (the device then keeps its cursor). */
  links_next?: number | null;
  /** More revisions wait past `next`, or more decisions past `reviews_next`. */
  more: boolean;
  /** The cursor for the next pull. */
  next: number;
  /** Review decisions on the reader's regions' reports made after the request's `reviews_since`, oldest first (at most `limits::PULL_REVIEWS`). Empty when the request had no `reviews_since` (an older device) and from older servers. */
  reviews?: ReviewDecision[];
  /** The decision feed's cursor for the next pull; absent when the request had no `reviews_since` and from older servers (the device then keeps its cursor). */
  reviews_next?: number | null;
  revisions: Pulled[];
  /** Site revisions (issue 15) of sites in the reader's regions, stored after the request's `sites_since`, oldest first, parents before children (at most `limits::PULL_SITES`). Empty when the request had no `sites_since` and from older servers. */
  sites?: SiteRevision[];
  /** The site feed's cursor for the next pull; absent when the request had no `sites_since` and from older servers (the device then keeps its cursor). */
  sites_next?: number | null;
};

/** One revision of the feed, at its position. Its sources carry contacts only where the reader may see them (their author, reviewers and administrators of the region). */
export type Pulled = {
  /** The sha256 of the revision's attachments whose bytes the server does not hold yet (their upload has not finished): "photo on its way". Absent when none. */
  pending?: string[];
  /** The revision was hashed over its whole content (the first rule) and a contact it carried is withheld from this reader, so `content_hash` is its hash under the current rule (contacts left out), not the one its author's device made. */
  rehashed?: boolean;
  revision: Revision;
  seq: number;
};

/** POST /v1/push */
export type Push = {
  revisions: Revision[];
};

export type PushAnswer = {
  results: PushResult[];
};

/** One revision's fate, in the order they were sent. */
export type PushResult = {
  code?: string | null;
  message?: string | null;
  /** The server's signed receipt of the stored revision (stored, conflict, already held); absent from servers before receipts. */
  receipt?: Receipt | null;
  rev_id: string;
  /** Feed position, when stored. */
  seq?: number | null;
  status: PushStatus;
};

export type PushStatus = "stored" | "already_have" | "conflict" | "rejected";

/** Why two reports may be one incident, in the words the issue asks for. */
export type Reason = {
  reason: "same_region";
} | {
  reason: "dates_overlap";
} | {
  reason: "same_site";
  site: string;
} | {
  km: number;
  reason: "apart";
} | {
  reason: "same_commune";
} | {
  reason: "same_place";
} | {
  reason: "same_cercle";
} | {
  event_type: EventType;
  reason: "same_event_type";
} | {
  reason: "words_alike";
  shared: number;
  words: string[];
};

/** A `ReceiptBody` and the server's Ed25519 signature of its canonical bytes (base64). */
export type Receipt = {
  body: ReceiptBody;
  /** Base64 (standard, padded) of the 64-byte Ed25519 signature of `body`'s canonical bytes. */
  signature: string;
};

/** What the server vouches for, for one stored revision. */
export type ReceiptBody = {
  /** The revision's `content_hash` as stored (the one its device made). */
  content_hash: string;
  /** The signing key's id (`key_id`): which of the server's keys, current or retired. */
  key_id: string;
  /** When the server stored it, RFC 3339 in UTC to the second (`2026-11-28T17:05:09Z`). */
  received_at: string;
  report_id: string;
  rev_id: string;
  /** Its feed position on the server. */
  seq: number;
  /** The layout's version (`RECEIPT_VERSION`). */
  version: number;
};

/** How far the source has proved reliable (the Admiralty scale's A–F, in words). */
export type Reliability = "reliable" | "usually_reliable" | "fairly_reliable" | "not_usually_reliable" | "unreliable" | "unknown";

/** One file of a reply bundle the server wrote, kept for download a while. */
export type ReplyFile = {
  bytes: number;
  /** Its name: `GET /v1/admin/bundles/replies/{name}` gives it. */
  name: string;
};

/** One incident. */
export type Report = {
  attachments?: Attachment[];
  damage?: string | null;
  /** Every figure is a list of claims, each tied to a source. */
  figures?: {
    abducted?: Claim[];
    attackers?: Claim[];
    buildings_burned?: Claim[];
    displaced?: Claim[];
    injured?: Claim[];
    killed?: Claim[];
    missing?: Claim[];
    sites_attacked?: Claim[];
    vehicles_destroyed?: Claim[];
  };
  id?: string;
  narrative?: string;
  perpetrators?: Actor[];
  schema_version?: number;
  /** Sites from the registry that the incident touched. */
  sites?: SiteRef[];
  sources?: Source[];
  status?: Status;
  tags?: string[];
  /** Who or what was targeted, in words ("plant workers", "fuel tanker drivers"). */
  targets?: string[];
  title: string;
  what?: What;
  when: When;
  where: Location;
};

/** GET /v1/reports/{id}: the report whole. */
export type ReportDetail = {
  /** More than one head. */
  conflict: boolean;
  /** The current heads, last received first, with sources' contacts only where the reader may see them (`rehashed` as in the pull feed) and their pending photos. */
  heads: Pulled[];
  /** Every revision, oldest first. */
  history: HistoryEntry[];
  id: string;
  /** The sha256 of attachments the heads name whose bytes the server does not hold yet. */
  pending?: string[];
  region: string;
  /** Review decisions, oldest first; the last is the current one. */
  reviews?: ReviewDecision[];
};

/** GET /v1/reports: newest first by last arrival. */
export type ReportPage = {
  /** The next page's `before`; absent on the last page. Reports arriving meanwhile go to the top, never into later pages. */
  next?: string | null;
  reports: ReportRow[];
};

/** One report in the inbox: its current head (the last received, when a conflict left two). */
export type ReportRow = {
  /** Who wrote the current head (its `author`). */
  author: string;
  categories?: LocalCategory[];
  /** Cercle (admin2). */
  cercle?: string | null;
  /** The report has more than one head (two versions wait for a person to settle them). */
  conflict: boolean;
  date_precision: DatePrecision;
  /** Sources disagree on at least one figure. */
  disputed: boolean;
  /** The incident's (first) day. */
  event_date: string;
  /** Its last day, for incidents that last. */
  event_end?: string | null;
  event_type?: EventType | null;
  /** When the server received the report's first revision. */
  first_received: string;
  id: string;
  /** When it received the latest (the inbox's order). */
  last_received: string;
  /** Attachments of the current head. */
  photos: number;
  /** The place as people name it. */
  place?: string | null;
  /** Who pushed the current head (the signed-in user), when the server recorded it. */
  pushed_by?: string | null;
  /** Region (admin1). */
  region: string;
  /** The latest review decision, if any. */
  review?: ReviewDecision | null;
  title: string;
};

/** A signing key the server no longer signs with. */
export type RetiredKey = {
  key_id: string;
  /** When it was retired (RFC 3339). */
  retired_at: string;
  signing: string;
};

/** One decision, as the server keeps it and devices receive it. A report's current review is its latest decision; earlier ones stay in its history. */
export type ReviewDecision = {
  /** RFC 3339, UTC. */
  at: string;
  /** The reviewer's user name. */
  by: string;
  /** The question (needs follow-up) or the reason (rejected); may be absent when verified. */
  comment?: string | null;
  /** The decision's own id (a UUIDv7), so a device stores each once. */
  id: string;
  report_id: string;
  /** The revision the reviewer read: an edit after it shows "changed since verified". */
  revision: string;
  state: ReviewState;
};

/** A review state to filter on, or `none` (never reviewed). */
export type ReviewFilter = "verified" | "needs_follow_up" | "rejected" | "none";

/** POST /v1/reports/{id}/review: a reviewer's decision on one revision of the report. */
export type ReviewRequest = {
  /** The question (`needs_follow_up`) or the reason (`rejected`): required for those two, optional for `verified`; at most `terrain_domain::limits::REVIEW_COMMENT_CHARS` characters. Blank counts as absent. */
  comment?: string | null;
  /** The revision the reviewer read: one of the report's revisions (usually its head). */
  revision: string;
  state: ReviewState;
};

/** What a reviewer decided. */
export type ReviewState = "verified" | "needs_follow_up" | "rejected";

/** One saved state of a report. Never changed once written. */
export type Revision = {
  author: string;
  content: Report;
  /** Hex sha256 of `canonical_json` of the content without its sources' contacts (`content_hash`); or, made before that rule, of the whole content. */
  content_hash: string;
  created_at: string;
  device: string;
  id: string;
  /** The revisions this one follows: none for the first, two when it resolves a conflict. */
  parents: string[];
  report_id: string;
};

export type Role = "reporter" | "reviewer" | "admin";

/** The server's public keys, as a device learns them at sign-in (and `GET /v1/server-keys`). */
export type ServerKeys = {
  /** What an administrator and a user compare (`fingerprint`). */
  fingerprint: string;
  /** Its id, as receipts name it (`key_id`). */
  key_id: string;
  /** Signing keys used before a rotation, still good for the receipts they signed. */
  retired?: RetiredKey[];
  /** The age X25519 recipient bundles are sealed to (`age1...`). */
  sealing: string;
  /** The Ed25519 key receipts are signed with: base64 of its 32 bytes. */
  signing: string;
};

/** The answer to a sign-in: this device's token, shown once. */
export type Session = {
  /** Regions (admin1) the user may send and receive; empty for an admin: all. */
  regions: string[];
  role: Role;
  /** The server's public keys (receipts, bundles); absent from servers before them. */
  server_keys?: ServerKeys | null;
  token: string;
  user: string;
};

/** POST /v1/sessions */
export type SignIn = {
  /** The device's bundle signing key (Ed25519 public key, base64 of 32 bytes): the server accepts USB bundles signed by it (issue 16, `docs/bundles.md`). Absent from devices before bundles. */
  device_key?: string | null;
  device_name: string;
  /** The age X25519 recipient (`age1...`) the server seals reply bundles to; sent with `device_key`. */
  device_recipient?: string | null;
  password: string;
  user: string;
};

/** GET /v1/reports/{id}/similar: likeliest first, at most `crate::limits::SUGGESTIONS`; never a report already in its incident, one whose suggestion was dismissed, or one of a region the reader does not work in. */
export type Similar = {
  report: string;
  suggestions: Suggestion[];
};

export type Site = {
  admin1: string;
  admin2?: string | null;
  coordinates?: Coordinates | null;
  id?: string;
  kind: SiteKind;
  /** This site is a duplicate of that one (two devices added the same plant): wherever the registry is read it resolves to it (`resolve`). Cleared by editing it again (unmerge). */
  merged_into?: string | null;
  name: string;
  /** Owner or operator ("Ibrahima Diawara"). */
  operator?: string | null;
  place?: string | null;
};

/** GET /v1/sites/{id}: every revision of the site, parents before children, and of the sites it was merged into (so `merged_into` never dangles). */
export type SiteHistory = {
  revisions: SiteRevision[];
  site: string;
};

/** One incident at a site: its reports (linked ones counted once) summed up. */
export type SiteIncident = {
  /** Its first report's event type and title. */
  event_type?: EventType | null;
  /** Its reports the reader may see, figures over every claim, sources, earliest and latest moments, sites. */
  figures: IncidentFigures;
  /** The incident id (ACLED's event id: the smallest id of its linked reports). */
  id: string;
  title: string;
};

/** GET /v1/sites/{id}/incidents: a site as it is now and every incident at it over time, of the reports the reader may see ("3 incident(s) since March 2026"). */
export type SiteIncidents = {
  /** Oldest first; linked reports make one incident. */
  incidents: SiteIncident[];
  /** The site it was merged into, at the end of its merges, when the reader may read it: the incidents are then that site's. */
  merged_into?: Site | null;
  /** The day the first incident began; None when none is known yet. */
  since?: string | null;
  /** The site asked for, as it is now (its newest head). */
  site: Site;
  /** The sites whose reports count: the one the incidents are of and those merged into it. */
  sites: string[];
};

export type SiteKind = "plant" | "mine" | "quarry" | "convoy" | "road" | "market" | "fuel_depot" | "power_station" | "other";

/** A link to a site in the registry (a plant, a mine...), so repeat attacks show up together. */
export type SiteRef = {
  /** What happened to this site ("kilns and warehouse burned"). */
  damage?: string | null;
  site_id: string;
};

export type SiteResult = {
  id: string;
  status: SiteStatus;
};

/** The answer to POST /v1/sites/revisions: one result per revision, in order. */
export type SiteResults = {
  results: SiteResult[];
};

/** One saved state of a site: the registry's history, each hashed over its canonical JSON, never changed once written. Two heads of one site are a conflict, merged like a report's. */
export type SiteRevision = {
  author: string;
  content: Site;
  /** Hex sha256 of the canonical JSON of `content` (`site_hash`). */
  content_hash: string;
  created_at: string;
  device: string;
  id: string;
  /** The revisions this one follows: none for the first, two when it joins a conflict. */
  parents: string[];
  site_id: string;
};

/** POST /v1/sites/revisions: at most `crate::limits::SITE_REVISIONS` revisions, parents before children. */
export type SiteRevisions = {
  revisions: SiteRevision[];
};

/** What became of one site revision. */
export type SiteStatus = "stored" | "already_have";

/** Where information came from. */
export type Source = {
  /** Sensitive: how to reach the source. Never leaves the device unless asked. */
  contact?: string | null;
  /** Short key claims refer to, unique in the report ("s1", "wamaps"). */
  key: string;
  kind: SourceKind;
  /** Who: a name or a description ("an elected official of the Kayes region"). */
  name: string;
  note?: string | null;
  reliability?: Reliability;
  url?: string | null;
};

export type SourceKind = "official" | "security" | "journalist" | "witness" | "media" | "ngo" | "other";

/** A source as the incident shows it: never its contact. */
export type SourceLine = {
  /** The source's key in its report. */
  key: string;
  kind: SourceKind;
  name: string;
  reliability: Reliability;
};

/** One claim of one figure, with the report and the source it came from. */
export type SourcedClaim = {
  claim: Claim;
  report: string;
  source: SourceLine;
};

export type Status = "draft" | "final";

/** ACLED's sub-event types; each belongs to exactly one event type. */
export type SubEventType = "Armed clash" | "Government regains territory" | "Non-state actor overtakes territory" | "Chemical weapon" | "Air/drone strike" | "Suicide bomb" | "Shelling/artillery/missile attack" | "Remote explosive/landmine/IED" | "Grenade" | "Sexual violence" | "Attack" | "Abduction/forced disappearance" | "Peaceful protest" | "Protest with intervention" | "Excessive force against protesters" | "Violent demonstration" | "Mob violence" | "Agreement" | "Arrests" | "Change to group/activity" | "Disrupted weapons use" | "Headquarters or base established" | "Looting/property destruction" | "Non-violent transfer of territory" | "Other";

/** One report a report may be the same incident as. */
export type Suggestion = {
  /** Why: the reasons (each with its catalogue key) and a score to rank by. */
  likeness: Likeness;
  /** The reasons in English: "same region; dates overlap within their precision; …". */
  reasons: string;
  report: string;
  /** Its title (current head's). */
  title: string;
};

/** PUT /v1/admin/users/{name}: the user's role and regions (the password is unchanged). */
export type UserChange = {
  regions?: string[];
  role: Role;
};

/** GET /v1/admin/users: every user, by name. */
export type UserList = {
  users: UserRow[];
};

/** One user, as GET /v1/admin/users lists them (administrators only). */
export type UserRow = {
  /** Device tokens not revoked (expired ones included). */
  devices: number;
  name: string;
  /** Regions (admin1); empty for an admin: all. */
  regions: string[];
  role: Role;
};

/** Words sources use instead of numbers, mapped the way ACLED does. */
export type VagueAmount = "several" | "tens" | "dozens" | "hundreds";

/** POST /v1/reports/{id}/verify */
export type Verified = {
  report_id: string;
  /** RFC 3339, UTC. */
  verified_at: string;
  verified_by: string;
};

/** What kind of incident, in ACLED's taxonomy and ours. */
export type What = {
  categories?: LocalCategory[];
  /** Required for a final report. */
  event_type?: EventType | null;
  sub_event_type?: SubEventType | null;
};

/** When it happened, as precisely as it is known. */
export type When = {
  /** Local date of the incident (or the first day of the week or month it is known by). */
  date: string;
  /** Last day, for incidents that last (a blockade). */
  end_date?: string | null;
  precision?: DatePrecision;
  /** Local time, when known; required with precision "exact". */
  time?: string | null;
  /** The device's offset from UTC when the time was recorded (Africa/Bamako: 0). */
  utc_offset_minutes?: number;
};

/** Each route's query parameters, by "METHOD /path". */
export interface Queries {
  "GET /v1/audit": {
    /** Only events with this action (`sign_in`, `push`...). */
    action?: string;
    /** Only events of this device name (`console` for browser sessions). */
    device?: string;
    /** At most this many events (100 if absent); the server gives at most `limits::AUDIT_PAGE` and at least one. */
    limit?: number;
    /** Skip this many matching events first (the previous page's `next`). */
    offset?: number;
    /** Only events at or after this time (RFC 3339). */
    since?: string;
    /** Only events before this time (RFC 3339). */
    until?: string;
    /** Only this user's events. */
    user?: string;
  };
  "GET /v1/exports/reports.csv": {
    /** CSV: start with a UTF-8 byte-order mark, which some spreadsheet programs need to read accents (false unless `true`). */
    bom?: boolean;
    /** Only reports with this local category. */
    category?: LocalCategory | null;
    /** Only this cercle (admin2). */
    cercle?: string;
    /** `true`: only reports where sources disagree on a figure; `false`: only where none do. */
    disputed?: boolean;
    /** Only this ACLED event type. */
    event_type?: EventType | null;
    /** Only incidents on or after this day (YYYY-MM-DD; an incident that lasts counts while it lasts). */
    from?: string;
    /** CSV: the HXL hashtag row under the header (true unless `false`). */
    hxl?: boolean;
    /** PDF: the language of its words; else the request's `Accept-Language`. */
    lang?: ExportLang | null;
    /** CSV, GeoJSON, PDF summary: one row (feature, entry) per incident instead of per report: reports linked as one incident counted once, with the conservative figure and every source (false unless `true`). Every export names each report's `incident_id` either way. */
    per_incident?: boolean;
    /** Words to find in the title, narrative, place, sources' names and actors; accents and case do not matter, Arabic vowel marks neither; each word matches as a word's start; a report matches when it has every word. Query syntax is not read: `"`, `*`, `OR` are plain text. */
    q?: string;
    /** Only this region (admin1), as the gazetteer spells it or any case and accents. */
    region?: string;
    /** Only reports written by this user (a head revision's author). */
    reporter?: string;
    /** Only reports whose latest review decision is this, or `none`: not reviewed yet. */
    review?: ReviewFilter | null;
    /** Only incidents on or before this day (YYYY-MM-DD). */
    to?: string;
  };
  "GET /v1/exports/reports.geojson": {
    /** CSV: start with a UTF-8 byte-order mark, which some spreadsheet programs need to read accents (false unless `true`). */
    bom?: boolean;
    /** Only reports with this local category. */
    category?: LocalCategory | null;
    /** Only this cercle (admin2). */
    cercle?: string;
    /** `true`: only reports where sources disagree on a figure; `false`: only where none do. */
    disputed?: boolean;
    /** Only this ACLED event type. */
    event_type?: EventType | null;
    /** Only incidents on or after this day (YYYY-MM-DD; an incident that lasts counts while it lasts). */
    from?: string;
    /** CSV: the HXL hashtag row under the header (true unless `false`). */
    hxl?: boolean;
    /** PDF: the language of its words; else the request's `Accept-Language`. */
    lang?: ExportLang | null;
    /** CSV, GeoJSON, PDF summary: one row (feature, entry) per incident instead of per report: reports linked as one incident counted once, with the conservative figure and every source (false unless `true`). Every export names each report's `incident_id` either way. */
    per_incident?: boolean;
    /** Words to find in the title, narrative, place, sources' names and actors; accents and case do not matter, Arabic vowel marks neither; each word matches as a word's start; a report matches when it has every word. Query syntax is not read: `"`, `*`, `OR` are plain text. */
    q?: string;
    /** Only this region (admin1), as the gazetteer spells it or any case and accents. */
    region?: string;
    /** Only reports written by this user (a head revision's author). */
    reporter?: string;
    /** Only reports whose latest review decision is this, or `none`: not reviewed yet. */
    review?: ReviewFilter | null;
    /** Only incidents on or before this day (YYYY-MM-DD). */
    to?: string;
  };
  "GET /v1/exports/reports.pdf": {
    /** CSV: start with a UTF-8 byte-order mark, which some spreadsheet programs need to read accents (false unless `true`). */
    bom?: boolean;
    /** Only reports with this local category. */
    category?: LocalCategory | null;
    /** Only this cercle (admin2). */
    cercle?: string;
    /** `true`: only reports where sources disagree on a figure; `false`: only where none do. */
    disputed?: boolean;
    /** Only this ACLED event type. */
    event_type?: EventType | null;
    /** Only incidents on or after this day (YYYY-MM-DD; an incident that lasts counts while it lasts). */
    from?: string;
    /** CSV: the HXL hashtag row under the header (true unless `false`). */
    hxl?: boolean;
    /** PDF: the language of its words; else the request's `Accept-Language`. */
    lang?: ExportLang | null;
    /** CSV, GeoJSON, PDF summary: one row (feature, entry) per incident instead of per report: reports linked as one incident counted once, with the conservative figure and every source (false unless `true`). Every export names each report's `incident_id` either way. */
    per_incident?: boolean;
    /** Words to find in the title, narrative, place, sources' names and actors; accents and case do not matter, Arabic vowel marks neither; each word matches as a word's start; a report matches when it has every word. Query syntax is not read: `"`, `*`, `OR` are plain text. */
    q?: string;
    /** Only this region (admin1), as the gazetteer spells it or any case and accents. */
    region?: string;
    /** Only reports written by this user (a head revision's author). */
    reporter?: string;
    /** Only reports whose latest review decision is this, or `none`: not reviewed yet. */
    review?: ReviewFilter | null;
    /** Only incidents on or before this day (YYYY-MM-DD). */
    to?: string;
  };
  "GET /v1/pull": {
    /** At most this many revisions; the server gives at most `limits::PULL_PAGE` and at least one. */
    limit?: number;
    /** The link feed's position to read after (`links_next` of the last page); 0 to start. Absent (an older device): the page carries no link operations. */
    links_since?: number;
    /** The decision feed's position to read after (`reviews_next` of the last page); 0 to start. Absent (an older device): the page carries no decisions. */
    reviews_since?: number;
    /** The feed position to read after (`next` of the last page); 0 to start. */
    since?: number;
    /** The site feed's position to read after (`sites_next` of the last page); 0 to start. Absent (an older device): the page carries no site revisions. */
    sites_since?: number;
  };
  "GET /v1/reports": {
    /** Inbox only: the page after this cursor (the previous page's `next`, digits). */
    before?: string;
    /** Only reports with this local category. */
    category?: LocalCategory | null;
    /** Only this cercle (admin2). */
    cercle?: string;
    /** `true`: only reports where sources disagree on a figure; `false`: only where none do. */
    disputed?: boolean;
    /** Only this ACLED event type. */
    event_type?: EventType | null;
    /** Only incidents on or after this day (YYYY-MM-DD; an incident that lasts counts while it lasts). */
    from?: string;
    /** Inbox only: at most this many reports (`INBOX_PAGE` if absent, at most `INBOX_PAGE_MAX`, at least 1). */
    limit?: number;
    /** Words to find in the title, narrative, place, sources' names and actors; accents and case do not matter, Arabic vowel marks neither; each word matches as a word's start; a report matches when it has every word. Query syntax is not read: `"`, `*`, `OR` are plain text. */
    q?: string;
    /** Only this region (admin1), as the gazetteer spells it or any case and accents. */
    region?: string;
    /** Only reports written by this user (a head revision's author). */
    reporter?: string;
    /** Only reports whose latest review decision is this, or `none`: not reviewed yet. */
    review?: ReviewFilter | null;
    /** Only incidents on or before this day (YYYY-MM-DD). */
    to?: string;
  };
  "GET /v1/reports/counts": {
    /** `region_week`: by region and ISO week of the incident's day; `event_type`: by ACLED event type. */
    by: CountBy;
    /** Only reports with this local category. */
    category?: LocalCategory | null;
    /** Only this cercle (admin2). */
    cercle?: string;
    /** `true`: only reports where sources disagree on a figure; `false`: only where none do. */
    disputed?: boolean;
    /** Only this ACLED event type. */
    event_type?: EventType | null;
    /** Only incidents on or after this day (YYYY-MM-DD; an incident that lasts counts while it lasts). */
    from?: string;
    /** Words to find in the title, narrative, place, sources' names and actors; accents and case do not matter, Arabic vowel marks neither; each word matches as a word's start; a report matches when it has every word. Query syntax is not read: `"`, `*`, `OR` are plain text. */
    q?: string;
    /** Only this region (admin1), as the gazetteer spells it or any case and accents. */
    region?: string;
    /** Only reports written by this user (a head revision's author). */
    reporter?: string;
    /** Only reports whose latest review decision is this, or `none`: not reviewed yet. */
    review?: ReviewFilter | null;
    /** Only incidents on or before this day (YYYY-MM-DD). */
    to?: string;
  };
  "GET /v1/reports/{id}/pdf": {
    /** CSV: start with a UTF-8 byte-order mark, which some spreadsheet programs need to read accents (false unless `true`). */
    bom?: boolean;
    /** CSV: the HXL hashtag row under the header (true unless `false`). */
    hxl?: boolean;
    /** PDF: the language of its words; else the request's `Accept-Language`. */
    lang?: ExportLang | null;
    /** CSV, GeoJSON, PDF summary: one row (feature, entry) per incident instead of per report: reports linked as one incident counted once, with the conservative figure and every source (false unless `true`). Every export names each report's `incident_id` either way. */
    per_incident?: boolean;
  };
  "POST /v1/admin/bundles": {
    /** The file's name, e.g. `terrain-awa_s_tablet-20261129T050000Z-000003.tbundle`. */
    name?: string;
  };
}
