//! A slow, lossy link in user space (the kernel here has no `sch_netem`): two network
//! namespaces, a TUN device in each, and one thread per direction that carries IPv4 packets
//! from one to the other applying rate (serialisation time per packet, a FIFO queue with tail
//! drop), propagation delay, random loss and cuts. Needs root and `/dev/net/tun`.
//!
//! Side A is `10.77.0.1`, side B `10.77.0.2`; each namespace has its own stack, so every link
//! uses the same addresses. Processes run in a side with [`Link::command`], test code with
//! [`Link::run_in`]. Dropping the link stops the forwarders, kills what still runs in its
//! namespaces and deletes them, panicking test or not.

use rand::Rng;
use std::collections::VecDeque;
use std::net::Ipv4Addr;
use std::os::fd::{AsRawFd, OwnedFd};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// What one direction of the link does to packets.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// Line rate in bits per second.
    pub rate_bps: u64,
    /// Propagation delay, one way.
    pub delay: Duration,
    /// Probability that a packet is lost (after using its share of the line).
    pub loss: f64,
    /// Bytes that may wait for the line; a packet that would exceed it is dropped.
    pub queue_bytes: usize,
}

impl Shape {
    /// `kbps` kbit/s, `delay_ms` one way, `loss` (0 to 1), with a queue of 4 s at that rate
    /// (mobile networks buffer deeply).
    pub fn new(kbps: u64, delay_ms: u64, loss: f64) -> Shape {
        Shape {
            rate_bps: kbps * 1000,
            delay: Duration::from_millis(delay_ms),
            loss,
            queue_bytes: (kbps * 1000 / 8 * 4) as usize,
        }
    }

    /// Seconds the line needs for `bytes`.
    pub fn seconds_for(&self, bytes: u64) -> f64 {
        bytes as f64 * 8.0 / self.rate_bps as f64
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    A,
    B,
}

impl Side {
    pub fn addr(self) -> Ipv4Addr {
        match self {
            Side::A => Ipv4Addr::new(10, 77, 0, 1),
            Side::B => Ipv4Addr::new(10, 77, 0, 2),
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// What one direction carried and dropped (IPv4 packets, bytes as on the wire).
#[derive(Debug, Default)]
pub struct Counters {
    pub packets: AtomicU64,
    pub bytes: AtomicU64,
    pub lost: AtomicU64,
    /// Bytes of the lost packets: they used the line too.
    pub lost_bytes: AtomicU64,
    pub queue_drops: AtomicU64,
    pub cut_drops: AtomicU64,
}

/// A copy of [`Counters`] at one moment.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    pub packets: u64,
    pub bytes: u64,
    pub lost: u64,
    pub lost_bytes: u64,
    pub queue_drops: u64,
    pub cut_drops: u64,
}

impl Counters {
    fn read(&self) -> Stats {
        Stats {
            packets: self.packets.load(Ordering::Relaxed),
            bytes: self.bytes.load(Ordering::Relaxed),
            lost: self.lost.load(Ordering::Relaxed),
            lost_bytes: self.lost_bytes.load(Ordering::Relaxed),
            queue_drops: self.queue_drops.load(Ordering::Relaxed),
            cut_drops: self.cut_drops.load(Ordering::Relaxed),
        }
    }
}

/// Why the link cannot be built here; None when it can.
pub fn unavailable() -> Option<String> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Some("the link emulator needs root (network namespaces, TUN devices)".into());
    }
    if !std::path::Path::new("/dev/net/tun").exists() {
        return Some("the link emulator needs /dev/net/tun".into());
    }
    if Command::new("ip").arg("-V").output().is_err() {
        return Some("the link emulator needs `ip` (iproute2)".into());
    }
    None
}

/// True when the link can run; otherwise prints why and returns false, or panics under CI,
/// where a skipped suite would hide a failure.
pub fn available_or_skip() -> bool {
    match unavailable() {
        None => true,
        Some(why) if std::env::var_os("CI").is_some() => panic!("{why} (CI requires it)"),
        Some(why) => {
            eprintln!("SKIPPED: {why}");
            false
        }
    }
}

static LINKS: AtomicUsize = AtomicUsize::new(0);

pub struct Link {
    names: [String; 2],
    /// When the current cut ends: nanoseconds after `epoch`; 0 when the link is up.
    cut_until: Arc<AtomicU64>,
    epoch: Instant,
    /// Per direction: `[A→B, B→A]`.
    counters: [Arc<Counters>; 2],
    shapes: [Arc<Mutex<Shape>>; 2],
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

fn ip(args: &[&str]) {
    let out = Command::new("ip").args(args).output().expect("`ip` runs");
    assert!(
        out.status.success(),
        "ip {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A TUN device named `name` (no packet information header), in this thread's namespace.
fn open_tun(name: &str) -> OwnedFd {
    #[repr(C)]
    struct IfReq {
        name: [u8; libc::IFNAMSIZ],
        flags: libc::c_short,
        _pad: [u8; 22],
    }
    let path = c"/dev/net/tun";
    // SAFETY: a valid C string; the fd is owned below.
    let fd = unsafe { libc::open(path.as_ptr(), libc::O_RDWR | libc::O_CLOEXEC) };
    assert!(
        fd >= 0,
        "open /dev/net/tun: {}",
        std::io::Error::last_os_error()
    );
    // SAFETY: fd was just opened and nothing else owns it.
    let fd: OwnedFd = unsafe { std::os::fd::FromRawFd::from_raw_fd(fd) };
    let mut req = IfReq {
        name: [0; libc::IFNAMSIZ],
        flags: (libc::IFF_TUN | libc::IFF_NO_PI) as libc::c_short,
        _pad: [0; 22],
    };
    assert!(
        name.len() < libc::IFNAMSIZ,
        "interface name {name} too long"
    );
    req.name[..name.len()].copy_from_slice(name.as_bytes());
    // SAFETY: TUNSETIFF reads and writes an ifreq, which IfReq lays out.
    let done = unsafe { libc::ioctl(fd.as_raw_fd(), libc::TUNSETIFF, &mut req) };
    assert!(
        done == 0,
        "TUNSETIFF {name}: {}",
        std::io::Error::last_os_error()
    );
    fd
}

/// Joins this thread to the network namespace `name` (sockets it opens then live there).
fn enter(name: &str) {
    let path = format!("/run/netns/{name}");
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    // SAFETY: a valid namespace fd; CLONE_NEWNET affects this thread only.
    let done = unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) };
    assert!(
        done == 0,
        "setns {name}: {}",
        std::io::Error::last_os_error()
    );
}

impl Link {
    /// Two namespaces joined by a link shaped `shape` in both directions.
    pub fn new(shape: Shape) -> Link {
        Link::asymmetric(shape, shape)
    }

    /// `a_to_b` from A to B, `b_to_a` back.
    pub fn asymmetric(a_to_b: Shape, b_to_a: Shape) -> Link {
        let n = LINKS.fetch_add(1, Ordering::Relaxed);
        let base = format!("tl{}x{n}", std::process::id());
        let names = [format!("{base}a"), format!("{base}b")];
        let mut link = Link {
            names: names.clone(),
            cut_until: Arc::new(AtomicU64::new(0)),
            epoch: Instant::now(),
            counters: Default::default(),
            shapes: [Arc::new(Mutex::new(a_to_b)), Arc::new(Mutex::new(b_to_a))],
            stop: Arc::new(AtomicBool::new(false)),
            threads: Vec::new(),
        };
        // From here on, Drop deletes whatever exists.
        let mut fds = Vec::new();
        for (side, name) in [Side::A, Side::B].iter().zip(&names) {
            ip(&["netns", "add", name]);
            // The device is made in the root namespace and moved: its fd keeps working.
            fds.push(Arc::new(open_tun(name)));
            ip(&["link", "set", name, "netns", name]);
            let me = format!("{}/30", side.addr());
            let peer = match side {
                Side::A => Side::B.addr(),
                Side::B => Side::A.addr(),
            }
            .to_string();
            ip(&["-n", name, "addr", "add", &me, "peer", &peer, "dev", name]);
            ip(&["-n", name, "link", "set", name, "up"]);
            ip(&["-n", name, "link", "set", "lo", "up"]);
        }
        for (from, to) in [(0, 1), (1, 0)] {
            let forward = Forwarder {
                from: Arc::clone(&fds[from]),
                to: Arc::clone(&fds[to]),
                shape: Arc::clone(&link.shapes[from]),
                counters: Arc::clone(&link.counters[from]),
                cut_until: Arc::clone(&link.cut_until),
                epoch: link.epoch,
                stop: Arc::clone(&link.stop),
            };
            link.threads.push(
                std::thread::Builder::new()
                    .name(format!("link {from}→{to}"))
                    .spawn(move || forward.run())
                    .unwrap(),
            );
        }
        link
    }

    /// The namespace of `side`.
    pub fn netns(&self, side: Side) -> &str {
        &self.names[side.index()]
    }

    /// `program` to be run in `side`'s namespace (`ip netns exec NAME program`).
    pub fn command(&self, side: Side, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", self.netns(side)]).arg(program);
        cmd
    }

    /// Runs `f` on a thread of its own in `side`'s namespace and returns its result.
    pub fn run_in<T: Send>(&self, side: Side, f: impl FnOnce() -> T + Send) -> T {
        let name = self.netns(side);
        std::thread::scope(|s| {
            s.spawn(|| {
                enter(name);
                f()
            })
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
    }

    /// Runs `future` to completion on a runtime of its own in `side`'s namespace.
    pub fn block_on_in<T: Send>(&self, side: Side, future: impl Future<Output = T> + Send) -> T {
        self.run_in(side, || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(future)
        })
    }

    /// Drops every packet, both ways, for `how_long` from now.
    pub fn cut_for(&self, how_long: Duration) {
        let until = (self.epoch.elapsed() + how_long).as_nanos() as u64;
        self.cut_until.store(until.max(1), Ordering::Relaxed);
    }

    /// Drops every packet, both ways, until [`Link::restore`].
    pub fn cut(&self) {
        self.cut_until.store(u64::MAX, Ordering::Relaxed);
    }

    pub fn restore(&self) {
        self.cut_until.store(0, Ordering::Relaxed);
    }

    /// Changes how the link from `from` to the other side behaves from the next packet on.
    pub fn reshape(&self, from: Side, shape: Shape) {
        *self.shapes[from.index()].lock().unwrap() = shape;
    }

    /// What the link from `from` to the other side carried and dropped so far.
    pub fn stats(&self, from: Side) -> Stats {
        self.counters[from.index()].read()
    }

    /// Bytes the line carried both ways so far, delivered or lost on the way.
    pub fn bytes(&self) -> u64 {
        [Side::A, Side::B]
            .map(|side| self.stats(side))
            .iter()
            .map(|s| s.bytes + s.lost_bytes)
            .sum()
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
        for name in &self.names {
            // Whatever a test started there and left running (a panic skipped its cleanup).
            if let Ok(out) = Command::new("ip").args(["netns", "pids", name]).output() {
                for pid in String::from_utf8_lossy(&out.stdout).split_whitespace() {
                    if let Ok(pid) = pid.parse::<libc::pid_t>() {
                        // SAFETY: plain signal to a process of this test's namespace.
                        unsafe { libc::kill(pid, libc::SIGKILL) };
                    }
                }
            }
            let _ = Command::new("ip").args(["netns", "del", name]).output();
        }
    }
}

struct Forwarder {
    from: Arc<OwnedFd>,
    to: Arc<OwnedFd>,
    shape: Arc<Mutex<Shape>>,
    counters: Arc<Counters>,
    cut_until: Arc<AtomicU64>,
    epoch: Instant,
    stop: Arc<AtomicBool>,
}

/// A packet on the line: when it reaches the far end, and whether it is lost on the way.
struct InFlight {
    due: Instant,
    lost: bool,
    packet: Vec<u8>,
}

impl Forwarder {
    fn is_cut(&self) -> bool {
        let until = self.cut_until.load(Ordering::Relaxed);
        until != 0 && (self.epoch.elapsed().as_nanos() as u64) < until
    }

    fn run(self) {
        let mut line: VecDeque<InFlight> = VecDeque::new();
        // When the line finishes sending what it holds.
        let mut line_free = Instant::now();
        let mut buf = vec![0u8; 65536];
        let mut rng = rand::rng();
        while !self.stop.load(Ordering::Relaxed) {
            let now = Instant::now();
            while line.front().is_some_and(|p| p.due <= now) {
                let p = line.pop_front().unwrap();
                self.deliver(p);
            }
            let wait = line
                .front()
                .map_or(Duration::from_millis(50), |p| p.due - now)
                .min(Duration::from_millis(50));
            let Some(len) = self.read(&mut buf, wait) else {
                continue;
            };
            // IPv6 neighbour chatter and the like are not part of any test.
            if len == 0 || buf[0] >> 4 != 4 {
                continue;
            }
            if self.is_cut() {
                self.counters.cut_drops.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            let shape = *self.shape.lock().unwrap();
            let now = Instant::now();
            let start = line_free.max(now);
            let waiting = shape.rate_bps as f64 / 8.0 * (start - now).as_secs_f64();
            if waiting as usize + len > shape.queue_bytes {
                self.counters.queue_drops.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            line_free = start + Duration::from_secs_f64(shape.seconds_for(len as u64));
            line.push_back(InFlight {
                due: line_free + shape.delay,
                lost: rng.random_bool(shape.loss.clamp(0.0, 1.0)),
                packet: buf[..len].to_vec(),
            });
        }
    }

    fn deliver(&self, p: InFlight) {
        if self.is_cut() {
            self.counters.cut_drops.fetch_add(1, Ordering::Relaxed);
        } else if p.lost {
            self.counters.lost.fetch_add(1, Ordering::Relaxed);
            self.counters
                .lost_bytes
                .fetch_add(p.packet.len() as u64, Ordering::Relaxed);
        } else {
            // SAFETY: writes one whole packet from a live buffer to an open TUN fd.
            let written = unsafe {
                libc::write(
                    self.to.as_raw_fd(),
                    p.packet.as_ptr().cast(),
                    p.packet.len(),
                )
            };
            if written == p.packet.len() as isize {
                self.counters.packets.fetch_add(1, Ordering::Relaxed);
                self.counters
                    .bytes
                    .fetch_add(p.packet.len() as u64, Ordering::Relaxed);
            }
        }
    }

    /// One packet from the source device if one comes within `wait`.
    fn read(&self, buf: &mut [u8], wait: Duration) -> Option<usize> {
        let mut poll = libc::pollfd {
            fd: self.from.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // Round up: a 0 ms poll for a packet due in 0.4 ms would spin.
        let ms = wait.as_micros().div_ceil(1000) as libc::c_int;
        // SAFETY: one valid pollfd.
        if unsafe { libc::poll(&mut poll, 1, ms) } <= 0 {
            return None;
        }
        // SAFETY: reads into a live buffer of its length.
        let n = unsafe { libc::read(self.from.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
        (n > 0).then_some(n as usize)
    }
}
