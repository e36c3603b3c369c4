//! How photos go, by the device's setting ([`PhotoPolicy`]): which wait for a better link,
//! and which go first. The upload queue ([`crate::upload`]) asks here before each photo.

use crate::SyncError;
use crate::run::blocking;
use std::collections::HashSet;
use std::sync::Arc;
use terrain_store::{PhotoPolicy, PhotoUpload, Store};

/// Below this measured rate (bytes a second: 128 kbit/s) photos wait under
/// [`PhotoPolicy::GoodLink`]. At 64 kbit/s, a loaded 2G or satellite link, one 300 KB photo
/// holds the line about 40 s and ten of them seven minutes, paid by the megabyte; from
/// 128 kbit/s a photo takes under 20 s, and 3G or a decent satellite plan is well above.
pub const GOOD_LINK: u64 = 16_000;

/// Whether photos wait now: under [`PhotoPolicy::GoodLink`] while the measured rate is below
/// [`GOOD_LINK`]. Before anything is measured they go: the first upload measures the link,
/// and the next photo is decided on it.
pub fn photos_wait(policy: PhotoPolicy, bytes_per_sec: Option<u64>) -> bool {
    policy == PhotoPolicy::GoodLink && bytes_per_sec.is_some_and(|r| r < GOOD_LINK)
}

/// The queue in the order it goes: reduced copies first (small, so the centre sees each
/// picture early), then everything else, each part oldest first as queued.
pub(crate) fn in_order(
    queue: Vec<PhotoUpload>,
    copies: &HashSet<String>,
) -> (Vec<PhotoUpload>, Vec<PhotoUpload>) {
    queue.into_iter().partition(|p| copies.contains(&p.sha256))
}

/// The device's setting, and which queued photos are reduced copies (by their reports'
/// current content).
pub(crate) async fn plan(
    store: &Arc<Store>,
    queue: &[PhotoUpload],
) -> Result<(PhotoPolicy, HashSet<String>), SyncError> {
    let reports: HashSet<uuid::Uuid> = queue.iter().map(|p| p.report).collect();
    blocking(store, move |s| {
        let mut copies = HashSet::new();
        for id in reports {
            let Ok(listed) = s.get(id) else { continue };
            copies.extend(
                listed
                    .report
                    .attachments
                    .into_iter()
                    .filter(|a| a.reduced_of.is_some())
                    .map(|a| a.sha256),
            );
        }
        Ok((s.photo_policy()?, copies))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn photo(sha: &str) -> PhotoUpload {
        PhotoUpload {
            sha256: sha.into(),
            report: uuid::Uuid::nil(),
            size: 1,
            fresh: true,
        }
    }

    #[test]
    fn only_good_link_holds_photos_and_only_on_a_measured_slow_link() {
        use PhotoPolicy::*;
        assert!(photos_wait(GoodLink, Some(8_000)), "64 kbit/s waits");
        assert!(!photos_wait(GoodLink, Some(GOOD_LINK)), "128 kbit/s goes");
        assert!(
            !photos_wait(GoodLink, None),
            "unmeasured: the upload measures"
        );
        for other in [Always, ReducedFirst] {
            assert!(!photos_wait(other, Some(100)));
        }
    }

    #[test]
    fn reduced_copies_go_first_each_part_in_queue_order() {
        let queue = vec![photo("a"), photo("a-small"), photo("b"), photo("b-small")];
        let copies = HashSet::from(["a-small".to_string(), "b-small".to_string()]);
        let (first, then) = in_order(queue, &copies);
        let names = |v: &[PhotoUpload]| v.iter().map(|p| p.sha256.clone()).collect::<Vec<_>>();
        assert_eq!(names(&first), ["a-small", "b-small"]);
        assert_eq!(names(&then), ["a", "b"]);
    }
}
