// French and English; the choice is kept on this computer. Screens' words are here; the core's
// messages, field labels in messages and pick-list labels come from the one catalogue shared
// with the core and the server (crates/terrain-domain/messages.json). Stored values (ACLED's
// labels, place names) stay as recorded; only what is shown is translated.
import catalogue from "../../../crates/terrain-domain/messages.json";
import type { AppError } from "../bindings/AppError";
import type { Problem } from "../bindings/Problem";


const en = {
  "nav.reports": "Reports",
  "nav.new": "New report",
  "nav.sites": "Sites",
  "nav.sync": "Sync",
  "nav.export": "Export",
  "nav.settings": "Settings",
  "list.title": "Reports",
  "list.search": "Search title, narrative, places, sources",
  "list.region": "Region",
  "list.type": "Event type",
  "list.status": "Status",
  "list.from": "From",
  "list.to": "To",
  "list.any": "Any",
  "list.count": "{n} report(s)",
  "list.empty": "No report matches.",
  "list.prev": "Previous 50",
  "list.next": "Next 50",
  "list.range": "{from}–{to} of {total}",
  "col.date": "Date",
  "col.title": "Title",
  "col.place": "Place",
  "col.type": "Event type",
  "col.figures": "Figures",
  "col.sync": "Sync",
  "badge.draft": "Draft",
  "badge.queued": "Queued",
  "badge.synced": "Synced",
  "badge.conflict": "Conflict",
  "status.draft": "Draft",
  "status.final": "Final",
  "form.new": "New report",
  "form.edit": "Edit report",
  "form.summary": "Summary",
  "form.title": "Title",
  "form.when": "When",
  "form.date": "Date",
  "form.time": "Time",
  "form.end_date": "Last day (if it lasted)",
  "form.precision": "Date known to",
  "precision.exact": "the minute",
  "precision.day": "the day",
  "precision.week": "the week",
  "precision.month": "the month",
  "form.where": "Where",
  "form.find_place": "Find a place (accents optional)",
  "form.region": "Region",
  "form.cercle": "Cercle",
  "form.commune": "Commune",
  "form.place": "Place as people name it",
  "form.latitude": "Latitude",
  "form.longitude": "Longitude",
  "form.geo_precision": "Location is",
  "geo.place": "the place itself",
  "geo.near": "near the place",
  "geo.region": "only the region",
  "form.what": "What happened",
  "form.event_type": "Event type",
  "form.sub_event_type": "Sub-event type",
  "form.categories": "Local categories",
  "form.who": "Who",
  "form.perpetrators": "Perpetrators",
  "form.perpetrator_name": "Name",
  "form.attribution": "Attribution",
  "form.add_perpetrator": "Add a perpetrator",
  "form.targets": "Targets (comma-separated)",
  "form.sites": "Sites in the registry",
  "form.site_damage": "What happened to this site",
  "form.add_site": "Link a site",
  "form.sources": "Sources",
  "form.source_name": "Who (name or description)",
  "form.source_kind": "Kind",
  "form.reliability": "Reliability",
  "form.contact": "Contact (stays on this device)",
  "form.add_source": "Add a source",
  "form.figures": "Figures",
  "form.figures_help": "Each source's figure is kept. When sources disagree, both stay, each with its source.",
  "form.add_figure": "Add a figure",
  "form.add_claim": "Add another source's figure",
  "form.amount": "Amount",
  "form.amount_exact": "number",
  "form.amount_range": "range",
  "form.amount_vague": "word",
  "form.min": "From",
  "form.max": "To",
  "form.source": "Source",
  "form.said_on": "Said on",
  "form.narrative": "Narrative",
  "form.damage": "Damage",
  "form.tags": "Tags (comma-separated)",
  "form.attachments": "Photos and documents",
  "form.attach": "Attach a file",
  "form.caption": "Caption",
  "form.remove": "Remove",
  "form.save_draft": "Save draft",
  "form.mark_final": "Mark final and queue",
  "form.save": "Save",
  "form.cancel": "Close",
  "form.saved_at": "Draft saved at {time}",
  "form.not_saved": "Not saved yet: {n} field(s) need attention",
  "form.kept_at": "Kept as typed at {time}; {n} field(s) to correct",
  "form.date_hint": "dd/mm/yyyy",
  "form.time_hint": "hh:mm (24-hour)",
  "form.coords_hint": "Decimal (14.52, -9.05), or as a GPS shows them: 14°31'12\"N, 9°03.5'W",
  "form.delete_draft": "Delete this draft",
  "form.delete_draft_confirm": "Delete this draft and its history from this computer? This cannot be undone.",
  "form.delete_draft_yes": "Delete the draft",
  "form.delete_draft_no": "Keep it",
  "vague.several": "several (counted as {n})",
  "vague.tens": "tens (counted as {n})",
  "vague.dozens": "dozens (counted as {n})",
  "vague.hundreds": "hundreds (counted as {n})",
  "list.reset": "Clear all filters",
  "form.problems": "Please check these fields",
  "form.final_note": "A final report is queued for the server and cannot go back to draft.",
  "view.edit": "Edit",
  "view.export_pdf": "Export PDF",
  "view.history": "History",
  "view.related": "Other reports at the same sites",
  "view.conflict": "Two versions disagree",
  "view.conflict_help": "For each field, choose the version to keep. Fields only one side changed are merged already.",
  "view.ours": "This device",
  "view.theirs": "Server",
  "view.resolve": "Keep these choices",
  "view.revision": "Revision",
  "view.hash": "Content hash",
  "view.verified": "verified",
  "view.receipt_valid": "received by the server at {at}, receipt valid",
  "view.receipt_invalid": "receipt NOT valid: {why}",
  "view.by": "by",
  "sites.title": "Site registry",
  "sites.name": "Name",
  "sites.kind": "Kind",
  "sites.operator": "Owner or operator",
  "sites.add": "Add the site",
  "sites.empty": "No site yet.",
  "sites.event_type": "Event type",
  "sites.figures": "Figures",
  "sites.reports": "Reports",
  "sites.incident_title": "What happened",
  "sites.close": "Close",
  "sync.title": "Sync",
  "sync.queued": "Waiting to be sent",
  "sync.last_success": "Last success",
  "sync.never": "never",
  "sync.now": "Sync now",
  "sync.phase.signed_out": "Not signed in",
  "sync.phase.idle": "Up to date",
  "sync.phase.syncing": "Syncing…",
  "sync.phase.offline": "Server out of reach; will retry",
  "sync.phase.stopped": "Stopped: the server refused",
  "sync.next_try": "Next try in {s} s",
  "sync.sent": "{n} reports sent",
  "sync.photos": "Photos {done} of {total}, {mb} of {total_mb} MB",
  "sync.photos_left": "about {min} minutes left at the current rate",
  "sync.photo_waits": "Report {id} waits for its photo",
  "sync.sign_in_first": "Sign in to a server in Settings to sync.",
  "sync.bundle.title": "No network: carry reports on a USB stick",
  "sync.bundle.help": "Write what waits into a bundle on a USB stick and take it to the centre; whoever carries it can neither read nor change it. Then read the reply bundle the centre gives back.",
  "sync.bundle.folder": "Folder to write into (the USB stick)",
  "sync.bundle.folder_title": "Choose the USB stick's folder",
  "sync.bundle.again": "Write again everything still waiting, also what an earlier bundle carried (the stick was lost)",
  "sync.bundle.write": "Write a bundle for USB",
  "sync.bundle.written": "{reports} report(s), {photos} photo(s), {mb} MB → {path}",
  "sync.bundle.file": "Reply bundle from the centre",
  "sync.bundle.file_title": "Choose the reply bundle",
  "sync.bundle.read": "Read a reply bundle",
  "sync.bundle.read_done": "Reply read: {acked} received by the server, {receipts} receipt(s) kept, {refused} refused; {received} report(s) pulled, {merged} merged, {conflicts} conflict(s).",
  "sync.bundle.flagged": "{n} receipt(s) did not check: see the report's history.",
  "export.title": "Export",
  "export.format": "Format",
  "export.which": "Reports: those the list shows with its current filters ({n})",
  "export.hxl": "Add the HXL hashtag row (humanitarian tools)",
  "export.bom": "Start with a byte-order mark (Excel)",
  "export.choose": "Choose…",
  "export.file": "File to write",
  "export.one_report": "PDF of one report",
  "export.pdf_summary": "PDF summary (totals and a table)",
  "export.run": "Export",
  "export.done": "Wrote {n} report(s) to {path}",
  "export.per_incident": "One row per incident: reports linked as one incident counted once",
  "export.done_incidents": "Wrote {n} incident(s) to {path}",
  "export.pdf_lang": "Language of the PDF",
  "export.save_title": "Export to…",
  "form.attach_title": "Attach a photo or a document",
  "lock.new_title": "Choose a passphrase",
  "lock.new_help": "It encrypts the reports on this computer. Nobody, not even an administrator, can recover them without it. Use several words, at least 10 characters.",
  "lock.plain_title": "Encrypt your reports",
  "lock.plain_help": "The reports on this computer were recorded before encryption. Choose a passphrase to encrypt them now.",
  "lock.locked_title": "Terrain is locked",
  "lock.passphrase": "Passphrase",
  "lock.repeat": "Repeat the passphrase",
  "lock.mismatch": "The two passphrases differ.",
  "lock.unlock": "Unlock",
  "lock.create": "Encrypt and open",
  "lock.lock": "Lock",
  "lock.idle": "Lock after this long without use",
  "lock.minutes": "{n} minutes",
  "lock.change_title": "Change the passphrase",
  "lock.current": "Current passphrase",
  "lock.new": "New passphrase",
  "lock.change": "Change",
  "lock.changed": "Passphrase changed.",
  "wipe.title": "Quick delete",
  "wipe.help": "Destroys every report, photo and key on this computer at once, unsent reports too. Nothing can bring them back. Files you exported elsewhere are not touched.",
  "wipe.start": "Delete everything on this computer…",
  "wipe.confirm": "Yes, delete everything now",
  "wipe.cancel": "Cancel",
  "wipe.done": "Everything was deleted.",
  "settings.title": "Settings",
  "settings.security": "Security",
  "settings.language": "Language",
  "settings.server": "Server address",
  "settings.user": "User name",
  "settings.password": "Password",
  "settings.device": "This computer's name",
  "settings.sign_in": "Sign in",
  "settings.sign_out": "Sign out",
  "settings.signed_in": "Signed in to {server} as {user}",
  "settings.data": "Data folder",
  "settings.data_help": "Set TERRAIN_DATA before starting Terrain to use another folder.",
  "settings.device_id": "Device id",
  "settings.fingerprint": "Server key fingerprint",
  "settings.fingerprint_help": "Compare it with what the administrator reads from terrain-server keys show: another value means another server.",
  "settings.photos": "Send photos",
  "settings.photos_always": "Always, as soon as the reports' text is sent",
  "settings.photos_good_link": "Only on a good link (from 128 kbit/s)",
  "settings.photos_reduced_first": "Reduced size first (1280 px), then the original",
  "settings.photos_help": "The text of reports always goes first. A reduced copy lets the centre see each picture early on a slow link; it is made when a report is saved as final.",
  "view.photos_download": "Download photos ({n}, {size})",
  "view.photos_downloading": "Downloading photos: {done} of {total}",
  "view.photo_on_its_way": "photo on its way",
  "view.photo_absent": "not on this device",
  "view.reduced_copy": "reduced copy",
  "figure.disputed": "sources disagree",
  "error.title": "Something went wrong",
  // The typist's form, the lock screen, sync and sign-in errors in plain words.
  "form.required_note": "Fields marked * are needed to mark the report final.",
  "form.confirm_final": "Mark this report final? It is queued and sent to the server at the next sync, and it cannot go back to being a draft. Later corrections stay possible and are kept in its history.",
  "form.confirm_yes": "Yes, mark final",
  "form.confirm_no": "Not yet",
  "form.photo": "Photo: {name}",
  "lock.show": "Show",
  "lock.hide": "Hide",
  "lock.wrong": "The passphrase is wrong. Check it with “Show” and try again.",
  "lock.weak": "Too short: use at least 10 characters; several words are best.",
  "lock.failed": "Terrain could not open the reports on this computer.",
  "sync.error.offline": "The server cannot be reached: no network here, or the server is down. Nothing is lost; Terrain tries again by itself.",
  "sync.error.refused": "The server refused. If this lasts, sign in again in Settings.",
  "sync.error.storage": "Terrain could not read or write its files on this computer.",
  "sync.error.other": "The last sync did not finish.",
  "sync.error.details": "Details",
  "sync.nothing_waiting": "Nothing is waiting to be sent.",
  "settings.error.offline": "The server cannot be reached. Check the address and the network.",
  "settings.error.refused": "The server refused: check the user name and the password.",
  "settings.error.address": "Give the address with https:// (for example https://terrain.example.org).",
  "settings.error.plain": "http:// is not encrypted: use https://. Plain http:// is only allowed for a server on this computer.",
  "settings.plain_warning": "Not encrypted (http://): the password and the reports cross the link readable. Only for a server on this computer; use https:// for a real server.",
};

export type Key = keyof typeof en;

const fr: Record<Key, string> = {
  "nav.reports": "Rapports",
  "nav.new": "Nouveau rapport",
  "nav.sites": "Sites",
  "nav.sync": "Synchronisation",
  "nav.export": "Exporter",
  "nav.settings": "Réglages",
  "list.title": "Rapports",
  "list.search": "Chercher titre, récit, lieux, sources",
  "list.region": "Région",
  "list.type": "Type d'événement",
  "list.status": "État",
  "list.from": "Du",
  "list.to": "Au",
  "list.any": "Tous",
  "list.count": "{n} rapport(s)",
  "list.empty": "Aucun rapport ne correspond.",
  "list.prev": "50 précédents",
  "list.next": "50 suivants",
  "list.range": "{from}–{to} sur {total}",
  "col.date": "Date",
  "col.title": "Titre",
  "col.place": "Lieu",
  "col.type": "Type d'événement",
  "col.figures": "Chiffres",
  "col.sync": "Synchro",
  "badge.draft": "Brouillon",
  "badge.queued": "En attente",
  "badge.synced": "Envoyé",
  "badge.conflict": "Conflit",
  "status.draft": "Brouillon",
  "status.final": "Final",
  "form.new": "Nouveau rapport",
  "form.edit": "Modifier le rapport",
  "form.summary": "Résumé",
  "form.title": "Titre",
  "form.when": "Quand",
  "form.date": "Date",
  "form.time": "Heure",
  "form.end_date": "Dernier jour (si cela a duré)",
  "form.precision": "Date connue à",
  "precision.exact": "la minute",
  "precision.day": "au jour",
  "precision.week": "à la semaine",
  "precision.month": "au mois",
  "form.where": "Où",
  "form.find_place": "Trouver un lieu (accents facultatifs)",
  "form.region": "Région",
  "form.cercle": "Cercle",
  "form.commune": "Commune",
  "form.place": "Lieu tel qu'on le nomme",
  "form.latitude": "Latitude",
  "form.longitude": "Longitude",
  "form.geo_precision": "Le lieu est",
  "geo.place": "le lieu même",
  "geo.near": "près du lieu",
  "geo.region": "seulement la région",
  "form.what": "Ce qui s'est passé",
  "form.event_type": "Type d'événement",
  "form.sub_event_type": "Sous-type",
  "form.categories": "Catégories locales",
  "form.who": "Qui",
  "form.perpetrators": "Auteurs",
  "form.perpetrator_name": "Nom",
  "form.attribution": "Attribution",
  "form.add_perpetrator": "Ajouter un auteur",
  "form.targets": "Cibles (séparées par des virgules)",
  "form.sites": "Sites du registre",
  "form.site_damage": "Ce qu'a subi ce site",
  "form.add_site": "Lier un site",
  "form.sources": "Sources",
  "form.source_name": "Qui (nom ou description)",
  "form.source_kind": "Nature",
  "form.reliability": "Fiabilité",
  "form.contact": "Contact (reste sur cet appareil)",
  "form.add_source": "Ajouter une source",
  "form.figures": "Chiffres",
  "form.figures_help": "Le chiffre de chaque source est gardé. Quand les sources divergent, les deux restent, chacun avec sa source.",
  "form.add_figure": "Ajouter un chiffre",
  "form.add_claim": "Ajouter le chiffre d'une autre source",
  "form.amount": "Nombre",
  "form.amount_exact": "nombre",
  "form.amount_range": "fourchette",
  "form.amount_vague": "mot",
  "form.min": "De",
  "form.max": "À",
  "form.source": "Source",
  "form.said_on": "Dit le",
  "form.narrative": "Récit",
  "form.damage": "Dégâts",
  "form.tags": "Mots-clés (séparés par des virgules)",
  "form.attachments": "Photos et documents",
  "form.attach": "Joindre un fichier",
  "form.caption": "Légende",
  "form.remove": "Retirer",
  "form.save_draft": "Enregistrer le brouillon",
  "form.mark_final": "Marquer final et mettre en file",
  "form.save": "Enregistrer",
  "form.cancel": "Fermer",
  "form.saved_at": "Brouillon enregistré à {time}",
  "form.not_saved": "Pas encore enregistré : {n} champ(s) à revoir",
  "form.kept_at": "Gardé tel que tapé à {time} ; {n} champ(s) à corriger",
  "form.date_hint": "jj/mm/aaaa",
  "form.time_hint": "hh:mm (sur 24 h)",
  "form.coords_hint": "Décimal (14,52 ; -9,05) ou comme un GPS les affiche : 14°31'12\"N, 9°03,5'O",
  "form.delete_draft": "Supprimer ce brouillon",
  "form.delete_draft_confirm": "Supprimer ce brouillon et son historique de cet ordinateur ? C'est définitif.",
  "form.delete_draft_yes": "Supprimer le brouillon",
  "form.delete_draft_no": "Le garder",
  "vague.several": "plusieurs (compté {n})",
  "vague.tens": "des dizaines (compté {n})",
  "vague.dozens": "des douzaines (compté {n})",
  "vague.hundreds": "des centaines (compté {n})",
  "list.reset": "Effacer tous les filtres",
  "form.problems": "Veuillez revoir ces champs",
  "form.final_note": "Un rapport final part vers le serveur et ne peut redevenir brouillon.",
  "view.edit": "Modifier",
  "view.export_pdf": "Exporter en PDF",
  "view.history": "Historique",
  "view.related": "Autres rapports sur les mêmes sites",
  "view.conflict": "Deux versions divergent",
  "view.conflict_help": "Pour chaque champ, choisissez la version à garder. Les champs changés d'un seul côté sont déjà fusionnés.",
  "view.ours": "Cet appareil",
  "view.theirs": "Serveur",
  "view.resolve": "Garder ces choix",
  "view.revision": "Révision",
  "view.hash": "Empreinte du contenu",
  "view.verified": "vérifiée",
  "view.receipt_valid": "reçue par le serveur le {at}, accusé valide",
  "view.receipt_invalid": "accusé NON valide : {why}",
  "view.by": "par",
  "sites.title": "Registre des sites",
  "sites.name": "Nom",
  "sites.kind": "Nature",
  "sites.operator": "Propriétaire ou exploitant",
  "sites.add": "Ajouter le site",
  "sites.empty": "Aucun site pour l'instant.",
  "sites.event_type": "Type d'événement",
  "sites.figures": "Chiffres",
  "sites.reports": "Rapports",
  "sites.incident_title": "Ce qui s'est passé",
  "sites.close": "Fermer",
  "sync.title": "Synchronisation",
  "sync.queued": "En attente d'envoi",
  "sync.last_success": "Dernier succès",
  "sync.never": "jamais",
  "sync.now": "Synchroniser maintenant",
  "sync.phase.signed_out": "Non connecté",
  "sync.phase.idle": "À jour",
  "sync.phase.syncing": "Synchronisation…",
  "sync.phase.offline": "Serveur injoignable ; nouvel essai prévu",
  "sync.phase.stopped": "Arrêté : le serveur a refusé",
  "sync.next_try": "Nouvel essai dans {s} s",
  "sync.sent": "{n} rapports envoyés",
  "sync.photos": "Photos {done} sur {total}, {mb} sur {total_mb} Mo",
  "sync.photos_left": "environ {min} minutes restantes au débit actuel",
  "sync.photo_waits": "Le rapport {id} attend sa photo",
  "sync.sign_in_first": "Connectez-vous à un serveur dans Réglages pour synchroniser.",
  "sync.bundle.title": "Sans réseau : porter les rapports sur une clé USB",
  "sync.bundle.help": "Écrivez ce qui attend dans un paquet sur une clé USB et portez-le au centre ; qui le transporte ne peut ni le lire ni le modifier. Lisez ensuite le paquet de réponse que le centre vous rend.",
  "sync.bundle.folder": "Dossier où écrire (la clé USB)",
  "sync.bundle.folder_title": "Choisir le dossier de la clé USB",
  "sync.bundle.again": "Réécrire tout ce qui attend encore, y compris ce qu'un paquet précédent portait (la clé a été perdue)",
  "sync.bundle.write": "Écrire un paquet pour clé USB",
  "sync.bundle.written": "{reports} rapport(s), {photos} photo(s), {mb} Mo → {path}",
  "sync.bundle.file": "Paquet de réponse du centre",
  "sync.bundle.file_title": "Choisir le paquet de réponse",
  "sync.bundle.read": "Lire un paquet de réponse",
  "sync.bundle.read_done": "Réponse lue : {acked} reçu(s) par le serveur, {receipts} accusé(s) gardé(s), {refused} refusé(s) ; {received} rapport(s) reçu(s), {merged} fusionné(s), {conflicts} conflit(s).",
  "sync.bundle.flagged": "{n} accusé(s) non valide(s) : voir l'historique du rapport.",
  "export.title": "Exporter",
  "export.format": "Format",
  "export.which": "Rapports : ceux de la liste avec ses filtres actuels ({n})",
  "export.hxl": "Ajouter la ligne de mots-dièse HXL (outils humanitaires)",
  "export.bom": "Commencer par une marque d'ordre des octets (Excel)",
  "export.choose": "Choisir…",
  "export.file": "Fichier à écrire",
  "export.one_report": "PDF d'un rapport",
  "export.pdf_summary": "Synthèse PDF (totaux et tableau)",
  "export.run": "Exporter",
  "export.done": "{n} rapport(s) écrit(s) dans {path}",
  "export.per_incident": "Une ligne par incident : les rapports liés comme un seul incident comptés une fois",
  "export.done_incidents": "{n} incident(s) écrit(s) dans {path}",
  "export.pdf_lang": "Langue du PDF",
  "export.save_title": "Exporter vers…",
  "form.attach_title": "Joindre une photo ou un document",
  "lock.new_title": "Choisissez une phrase secrète",
  "lock.new_help": "Elle chiffre les rapports de cet ordinateur. Personne, pas même un administrateur, ne peut les récupérer sans elle. Utilisez plusieurs mots, au moins 10 caractères.",
  "lock.plain_title": "Chiffrez vos rapports",
  "lock.plain_help": "Les rapports de cet ordinateur ont été enregistrés avant le chiffrement. Choisissez une phrase secrète pour les chiffrer maintenant.",
  "lock.locked_title": "Terrain est verrouillé",
  "lock.passphrase": "Phrase secrète",
  "lock.repeat": "Répétez la phrase secrète",
  "lock.mismatch": "Les deux phrases secrètes diffèrent.",
  "lock.unlock": "Déverrouiller",
  "lock.create": "Chiffrer et ouvrir",
  "lock.lock": "Verrouiller",
  "lock.idle": "Verrouiller après cette durée sans utilisation",
  "lock.minutes": "{n} minutes",
  "lock.change_title": "Changer la phrase secrète",
  "lock.current": "Phrase secrète actuelle",
  "lock.new": "Nouvelle phrase secrète",
  "lock.change": "Changer",
  "lock.changed": "Phrase secrète changée.",
  "wipe.title": "Suppression rapide",
  "wipe.help": "Détruit d'un coup tous les rapports, photos et clés de cet ordinateur, y compris les rapports non envoyés. Rien ne pourra les restaurer. Les fichiers exportés ailleurs ne sont pas touchés.",
  "wipe.start": "Tout supprimer sur cet ordinateur…",
  "wipe.confirm": "Oui, tout supprimer maintenant",
  "wipe.cancel": "Annuler",
  "wipe.done": "Tout a été supprimé.",
  "settings.title": "Réglages",
  "settings.security": "Sécurité",
  "settings.language": "Langue",
  "settings.server": "Adresse du serveur",
  "settings.user": "Nom d'utilisateur",
  "settings.password": "Mot de passe",
  "settings.device": "Nom de cet ordinateur",
  "settings.sign_in": "Se connecter",
  "settings.sign_out": "Se déconnecter",
  "settings.signed_in": "Connecté à {server} en tant que {user}",
  "settings.data": "Dossier des données",
  "settings.data_help": "Définissez TERRAIN_DATA avant de lancer Terrain pour utiliser un autre dossier.",
  "settings.device_id": "Identifiant de l'appareil",
  "settings.fingerprint": "Empreinte des clés du serveur",
  "settings.fingerprint_help": "Comparez-la avec ce que l'administrateur lit dans terrain-server keys show : une autre valeur signifie un autre serveur.",
  "settings.photos": "Envoyer les photos",
  "settings.photos_always": "Toujours, dès que le texte des rapports est envoyé",
  "settings.photos_good_link": "Seulement sur une bonne liaison (à partir de 128 kbit/s)",
  "settings.photos_reduced_first": "Taille réduite d'abord (1280 px), puis l'original",
  "settings.photos_help": "Le texte des rapports part toujours en premier. Une copie réduite permet au centre de voir chaque image tôt sur une liaison lente ; elle est faite quand un rapport est enregistré comme final.",
  "view.photos_download": "Télécharger les photos ({n}, {size})",
  "view.photos_downloading": "Téléchargement des photos : {done} sur {total}",
  "view.photo_on_its_way": "photo en route",
  "view.photo_absent": "absente de cet appareil",
  "view.reduced_copy": "copie réduite",
  "figure.disputed": "les sources divergent",
  "error.title": "Un problème est survenu",
  // Le formulaire, l'écran de verrouillage, les erreurs de synchronisation et de connexion.
  "form.required_note": "Les champs marqués * sont nécessaires pour rendre le rapport final.",
  "form.confirm_final": "Rendre ce rapport final ? Il est mis en file et envoyé au serveur à la prochaine synchronisation, et ne peut plus redevenir brouillon. Il reste possible de le corriger ensuite ; chaque correction est gardée dans son historique.",
  "form.confirm_yes": "Oui, rendre final",
  "form.confirm_no": "Pas encore",
  "form.photo": "Photo : {name}",
  "lock.show": "Afficher",
  "lock.hide": "Masquer",
  "lock.wrong": "La phrase secrète est fausse. Vérifiez-la avec « Afficher » et réessayez.",
  "lock.weak": "Trop courte : au moins 10 caractères ; plusieurs mots, c'est mieux.",
  "lock.failed": "Terrain n'a pas pu ouvrir les rapports sur cet ordinateur.",
  "sync.error.offline": "Le serveur est injoignable : pas de réseau ici, ou le serveur est arrêté. Rien n'est perdu ; Terrain réessaie tout seul.",
  "sync.error.refused": "Le serveur a refusé. Si cela dure, reconnectez-vous dans Réglages.",
  "sync.error.storage": "Terrain n'a pas pu lire ou écrire ses fichiers sur cet ordinateur.",
  "sync.error.other": "La dernière synchronisation n'a pas abouti.",
  "sync.error.details": "Détails",
  "sync.nothing_waiting": "Rien n'attend d'être envoyé.",
  "settings.error.offline": "Le serveur est injoignable. Vérifiez l'adresse et le réseau.",
  "settings.error.refused": "Le serveur a refusé : vérifiez le nom d'utilisateur et le mot de passe.",
  "settings.error.address": "Donnez l'adresse avec https:// (par exemple https://terrain.example.org).",
  "settings.error.plain": "http:// n'est pas chiffré : utilisez https://. http:// n'est permis que pour un serveur sur cet ordinateur.",
  "settings.plain_warning": "Non chiffré (http://) : le mot de passe et les rapports passent en clair. Seulement pour un serveur sur cet ordinateur ; utilisez https:// pour un vrai serveur.",
};

export type Lang = "fr" | "en";
const dictionaries: Record<Lang, Record<Key, string>> = { en, fr };

function initial(): Lang {
  const saved = typeof localStorage !== "undefined" ? localStorage.getItem("terrain.lang") : null;
  if (saved === "fr" || saved === "en") return saved;
  return typeof navigator !== "undefined" && navigator.language.startsWith("en") ? "en" : "fr";
}

export const i18n = $state({ lang: initial() });

/** The keys whose French is the English word for word: the translation test's allow-list. */
export function sameInFrench(): Key[] {
  return (Object.keys(en) as Key[]).filter((k) => fr[k] === en[k]);
}

export function setLang(lang: Lang) {
  i18n.lang = lang;
  localStorage.setItem("terrain.lang", lang);
  document.documentElement.lang = lang;
}

/** The text for `key` in the chosen language, with `{name}` filled from `vars`. */
export function t(key: Key, vars: Record<string, string | number> = {}): string {
  const text = dictionaries[i18n.lang][key] ?? en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? `{${name}}`));
}

/** A figure kind's name ("abducted" → "Abducted" / "Enlevés"), from the shared catalogue. */
export function figureName(kind: string): string {
  return message(`figure.${kind}`);
}

/** "3–4, sources disagree" in the chosen language, from the core's summary. */
export function figureText(f: { min: number; max: number; disputed: boolean; vague?: string | null }): string {
  // Words a source gave ("des dizaines") stay words, with the number they count as.
  const low = f.vague ? t(`vague.${f.vague}` as Key, { n: f.min }) : String(f.min);
  const span = f.min === f.max ? low : `${low}\u2013${f.max}`;
  return f.disputed ? `${span}, ${t("figure.disputed")}` : span;
}

const fieldKeys: Record<string, Key> = {
  title: "form.title",
  "when.date": "form.date",
  "when.time": "form.time",
  "when.end_date": "form.end_date",
  "when.precision": "form.precision",
  "where.admin1": "form.region",
  "where.admin2": "form.cercle",
  "where.admin3": "form.commune",
  "where.place": "form.place",
  "where.coordinates": "form.latitude",
  "where.geo_precision": "form.geo_precision",
  "what.event_type": "form.event_type",
  "what.sub_event_type": "form.sub_event_type",
  "what.categories": "form.categories",
  perpetrators: "form.perpetrators",
  targets: "form.targets",
  sites: "form.sites",
  sources: "form.sources",
  narrative: "form.narrative",
  damage: "form.damage",
  tags: "form.tags",
  attachments: "form.attachments",
};

/** A field path of the record ("where.place", "figures.abducted") in the user's words. */
export function fieldName(path: string): string {
  if (path.startsWith("figures.")) return figureName(path.slice("figures.".length));
  return fieldKeys[path] ? t(fieldKeys[path]) : path;
}

type Params = Record<string, string | number>;
const messages = catalogue as Record<string, Record<Lang, string>>;

function fill(template: string, params: Params, depth = 0): string {
  return template.replace(/\{(@?)(\w+)\}/g, (whole, nested: string, name: string) => {
    const value = params[name];
    if (value === undefined) return whole;
    if (!nested) return String(value);
    const inner = messages[String(value)]?.[i18n.lang] ?? String(value);
    return depth < 3 ? fill(inner, params, depth + 1) : inner;
  });
}

/** The catalogue's text for `code` in the chosen language, `{name}` and `{@name}` filled. */
export function message(code: string, params: Params = {}): string {
  return fill(messages[code]?.[i18n.lang] ?? code, params);
}

/** What is wrong, in the chosen language ("obligatoire pour un rapport final"). */
export function problemText(p: Problem): string {
  const text = message(p.code, p.params);
  return "line" in p.params ? text + message("at_position", p.params) : text;
}

/** The field in words and what is wrong: "Titre : obligatoire pour un rapport final". */
export function problemLine(p: Problem): string {
  return fieldLabel(p.field) + message("label_separator") + problemText(p);
}

/** A field path as messages name it ("sources[1].name" → "Source 2, nom"); the same rule as
 * the core's `messages::label`. */
export function fieldLabel(path: string): string {
  const params: Params = {};
  let key = "field.";
  let rest = path;
  if (path.startsWith("figures.")) {
    const after = path.slice("figures.".length);
    const end = after.search(/[[.]/);
    const kind = end < 0 ? after : after.slice(0, end);
    params.figure = `figure.${kind}`;
    key += "figures.*";
    rest = end < 0 ? "" : after.slice(end);
  }
  key += rest.replace(/\[(\d+)\]/g, (_, i: string) => {
    params.n ??= Number(i) + 1;
    return "[]";
  });
  if (messages[key]) return fill(messages[key][i18n.lang], params);
  const dot = path.lastIndexOf(".");
  return dot < 0 ? path : `${fieldLabel(path.slice(0, dot))}, ${path.slice(dot + 1)}`;
}

/** A pick-list value's label in the chosen language (`event_types`, "Battles" → "Combats"). */
export function choiceLabel(list: string, value: string, fallback = value): string {
  return messages[`choice.${list}.${value}`]?.[i18n.lang] ?? fallback;
}

/** An error from the core in the chosen language: its problems when it has some. */
export function errorText(e: unknown): string {
  const err = e as Partial<AppError> | null;
  if (err?.problems?.length) return err.problems.map(problemLine).join("\n");
  if (err?.said) return message(err.said.code, err.said.params);
  return err?.message ?? String(e);
}
