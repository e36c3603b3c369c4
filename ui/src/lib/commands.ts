// Generated from src-tauri/src/commands.rs by src-tauri/tests/commands.rs: never edit by
// hand. `TERRAIN_BLESS=1 cargo test -p terrain-desktop --test commands` rewrites it.
import type { AbsentPhotos } from "../bindings/AbsentPhotos";
import type { AppInfo } from "../bindings/AppInfo";
import type { Attachment } from "../bindings/Attachment";
import type { BundleRead } from "../bindings/BundleRead";
import type { BundleWritten } from "../bindings/BundleWritten";
import type { Catalog } from "../bindings/Catalog";
import type { ExportRequest } from "../bindings/ExportRequest";
import type { ExportResult } from "../bindings/ExportResult";
import type { FetchedPhotos } from "../bindings/FetchedPhotos";
import type { Form } from "../bindings/Form";
import type { IncidentView } from "../bindings/IncidentView";
import type { Kept } from "../bindings/Kept";
import type { ListPage } from "../bindings/ListPage";
import type { ListQuery } from "../bindings/ListQuery";
import type { LockState } from "../bindings/LockState";
import type { PhotoPolicy } from "../bindings/PhotoPolicy";
import type { Problem } from "../bindings/Problem";
import type { Report } from "../bindings/Report";
import type { ReportDetail } from "../bindings/ReportDetail";
import type { SavedReport } from "../bindings/SavedReport";
import type { SimilarReport } from "../bindings/SimilarReport";
import type { Site } from "../bindings/Site";
import type { SiteConflictView } from "../bindings/SiteConflictView";
import type { SiteHistory } from "../bindings/SiteHistory";
import type { Suggestion } from "../bindings/Suggestion";
import type { SyncStatus } from "../bindings/SyncStatus";

/** How a wrapper reaches the shell: Tauri's `invoke`, with the UI's error handling. */
export type Call = <T>(command: string, args?: Record<string, unknown>) => Promise<T>;

/** One typed wrapper per command the shell registers. */
export function commands(call: Call) {
  return {
    appInfo: () => call<AppInfo>("app_info"),
    catalog: () => call<Catalog>("catalog"),
    places: (typed: string) => call<Suggestion[]>("places", { typed }),
    listReports: (query: ListQuery) => call<ListPage>("list_reports", { query }),
    newReport: () => call<Report>("new_report"),
    getReport: (id: string) => call<ReportDetail>("get_report", { id }),
    checkReport: (report: Report) => call<Problem[]>("check_report", { report }),
    saveReport: (report: Report) => call<SavedReport>("save_report", { report }),
    /** The report form as typed: kept at every save, even while a field does not check. */
    newForm: () => call<Form>("new_form"),
    openForm: (id: string) => call<Form>("open_form", { id }),
    checkForm: (form: Form, asFinal: boolean) => call<Problem[]>("check_form", { form, asFinal }),
    keepForm: (form: Form) => call<Kept>("keep_form", { form }),
    saveForm: (form: Form) => call<SavedReport>("save_form", { form }),
    lastForm: () => call<string | null>("last_form"),
    deleteDraft: (id: string) => call<void>("delete_draft", { id }),
    resolveConflict: (id: string, takeTheirs: string[]) => call<SavedReport>("resolve_conflict", { id, takeTheirs }),
    similarReports: (id: string) => call<SimilarReport[]>("similar_reports", { id }),
    incident: (id: string) => call<IncidentView>("incident", { id }),
    linkReports: (id: string, other: string) => call<IncidentView>("link_reports", { id, other }),
    unlinkReports: (id: string, other: string) => call<IncidentView>("unlink_reports", { id, other }),
    dismissSimilar: (id: string, other: string) => call<void>("dismiss_similar", { id, other }),
    sites: () => call<Site[]>("sites"),
    /** Every incident at the site (its id or name) over time, linked reports counted once. */
    siteHistory: (site: string) => call<SiteHistory>("site_history", { site }),
    saveSite: (site: Omit<Site, "id"> & { id?: string }) => call<Site>("save_site", { site }),
    /** Every site whose versions disagree, with what they dispute. */
    siteConflicts: () => call<SiteConflictView[]>("site_conflicts"),
    /** Ends a site's conflict: each disputed field from this device's version, except those listed. */
    resolveSiteConflict: (site: string, takeTheirs: string[]) => call<Site>("resolve_site_conflict", { site, takeTheirs }),
    attachFile: (path: string) => call<Attachment>("attach_file", { path }),
    /** The photo's bytes as they are (no JSON array of numbers): the window makes the thumbnail. */
    photo: (sha256: string) => call<ArrayBuffer>("photo", { sha256 }),
    /** The photos of a report that are not on this device: what "Download photos" offers. */
    absentPhotos: (id: string) => call<AbsentPhotos>("absent_photos", { id }),
    /** Downloads a report's absent photos; each piece's progress goes to the window as `photo-coming`. */
    fetchPhotos: (id: string) => call<FetchedPhotos>("fetch_photos", { id }),
    photoPolicy: () => call<PhotoPolicy>("photo_policy"),
    setPhotoPolicy: (policy: PhotoPolicy) => call<void>("set_photo_policy", { policy }),
    reportFileName: (id: string) => call<string>("report_file_name", { id }),
    syncStatus: () => call<SyncStatus>("sync_status"),
    syncNow: () => call<void>("sync_now"),
    /** Writes what waits in the outbox (photos included) into a bundle in the folder `dir` (a USB stick); with `again`, everything waiting, also what an earlier bundle carried. */
    writeBundle: (dir: string, again: boolean) => call<BundleWritten>("write_bundle", { dir, again }),
    /** Reads the server's reply bundle `file`: acknowledgements, receipts, other devices' reports. */
    readReplyBundle: (file: string) => call<BundleRead>("read_reply_bundle", { file }),
    login: (server: string, user: string, password: string, deviceName: string) => call<AppInfo>("login", { server, user, password, deviceName }),
    logout: () => call<AppInfo>("logout"),
    export: (request: ExportRequest) => call<ExportResult>("export", { request }),
    lockState: () => call<LockState>("lock_state"),
    /** Unlocks (or sets the first passphrase) and starts syncing, its status sent to the window. */
    unlock: (passphrase: string) => call<AppInfo>("unlock", { passphrase }),
    lock: () => call<void>("lock"),
    changePassphrase: (old: string, newValue: string) => call<void>("change_passphrase", { old, new: newValue }),
    quickDelete: () => call<void>("quick_delete"),
  };
}
