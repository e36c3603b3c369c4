//! The link emulator itself: its round trip, rate, loss and cuts are what it is told.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::time::{Duration, Instant};
use terrain_tests::link::{Link, Shape, Side, available_or_skip};

const PORT: u16 = 7000;

fn b_addr() -> SocketAddr {
    SocketAddr::from((Side::B.addr(), PORT))
}

#[test]
fn a_64_kbits_600_ms_link_has_its_round_trip_and_rate() {
    if !available_or_skip() {
        return;
    }
    let link = Link::new(Shape::new(64, 300, 0.0));
    const SIZE: usize = 200_000;
    let listener = link.run_in(Side::B, || TcpListener::bind(b_addr()).unwrap());
    std::thread::scope(|s| {
        // B echoes one byte, then reads SIZE bytes and answers one byte.
        s.spawn(|| {
            let (mut conn, _) = listener.accept().unwrap();
            let mut byte = [0u8; 1];
            conn.read_exact(&mut byte).unwrap();
            conn.write_all(&byte).unwrap();
            let mut rest = vec![0u8; SIZE];
            conn.read_exact(&mut rest).unwrap();
            conn.write_all(b"k").unwrap();
        });
        let (rtt, transfer) = link.run_in(Side::A, || {
            let mut conn = TcpStream::connect(b_addr()).unwrap();
            conn.set_nodelay(true).unwrap();
            let t = Instant::now();
            conn.write_all(b"p").unwrap();
            conn.read_exact(&mut [0u8; 1]).unwrap();
            let rtt = t.elapsed();
            let t = Instant::now();
            conn.write_all(&vec![7u8; SIZE]).unwrap();
            conn.read_exact(&mut [0u8; 1]).unwrap();
            (rtt, t.elapsed())
        });
        // Two 53-byte packets at 64 kbit/s add 13 ms to the 600 ms of propagation.
        eprintln!("round trip {rtt:?}; {SIZE} bytes in {transfer:?}");
        assert!(
            rtt >= Duration::from_millis(600) && rtt < Duration::from_millis(680),
            "round trip {rtt:?}"
        );
        // TCP/IP headers: 52 bytes per segment of at most 1448.
        let on_wire = SIZE as f64 * (1448.0 + 52.0) / 1448.0;
        let expected = Shape::new(64, 300, 0.0).seconds_for(on_wire as u64) + 0.6;
        let took = transfer.as_secs_f64();
        eprintln!("expected {expected:.1} s, took {took:.1} s");
        assert!(
            (took - expected).abs() <= expected * 0.15,
            "{SIZE} bytes took {took:.1} s, expected {expected:.1} s ± 15 %"
        );
    });
    let stats = link.stats(Side::A);
    assert!(stats.bytes > SIZE as u64, "A→B carried {stats:?}");
    assert_eq!(stats.lost + stats.cut_drops, 0, "{stats:?}");
}

/// Sends `n` datagrams from A to B, 1 ms apart; how many arrived.
fn datagrams(link: &Link, n: usize) -> usize {
    let socket = link.run_in(Side::B, || UdpSocket::bind(b_addr()).unwrap());
    socket
        .set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    std::thread::scope(|s| {
        let receiver = s.spawn(|| {
            let mut got = 0;
            let mut buf = [0u8; 2048];
            while socket.recv(&mut buf).is_ok() {
                got += 1;
            }
            got
        });
        link.run_in(Side::A, || {
            let out = UdpSocket::bind((Side::A.addr(), 0)).unwrap();
            for i in 0..n {
                out.send_to(&(i as u64).to_be_bytes(), b_addr()).unwrap();
                std::thread::sleep(Duration::from_millis(1));
            }
        });
        receiver.join().unwrap()
    })
}

#[test]
fn loss_is_the_configured_rate() {
    if !available_or_skip() {
        return;
    }
    let link = Link::new(Shape::new(10_000, 5, 0.10));
    const N: usize = 3000;
    let got = datagrams(&link, N);
    let stats = link.stats(Side::A);
    let measured = 1.0 - got as f64 / N as f64;
    eprintln!(
        "{got} of {N} arrived: loss {:.1} %; {stats:?}",
        measured * 100.0
    );
    // 3,000 draws at 10 %: one standard deviation is 0.55 %.
    assert!((0.08..=0.12).contains(&measured), "loss {measured}");
    assert_eq!(stats.lost as usize, N - got, "every loss counted");
    assert_eq!(stats.packets as usize, got);
    assert_eq!(stats.queue_drops + stats.cut_drops, 0);
}

#[test]
fn a_cut_drops_everything_until_it_ends() {
    if !available_or_skip() {
        return;
    }
    let link = Link::new(Shape::new(10_000, 5, 0.0));
    assert_eq!(datagrams(&link, 100), 100, "nothing lost before the cut");

    link.cut();
    assert_eq!(datagrams(&link, 100), 0, "nothing crosses a cut");
    let stats = link.stats(Side::A);
    assert_eq!(stats.cut_drops, 100, "{stats:?}");
    link.restore();
    assert_eq!(datagrams(&link, 100), 100, "everything after the restore");

    link.cut_for(Duration::from_secs(1));
    assert_eq!(datagrams(&link, 50), 0, "nothing during a timed cut");
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(
        datagrams(&link, 50),
        50,
        "the link is back when the cut ends"
    );
    assert_eq!(link.stats(Side::A).cut_drops, 150);
}

#[test]
fn a_full_queue_drops_at_the_tail() {
    if !available_or_skip() {
        return;
    }
    // 64 kbit/s with room for 10 packets of 36 bytes: a burst of 100 mostly waits or drops.
    let mut shape = Shape::new(64, 5, 0.0);
    shape.queue_bytes = 360;
    let link = Link::new(shape);
    let got = datagrams(&link, 100);
    let stats = link.stats(Side::A);
    eprintln!("{got} of 100 through a 360-byte queue; {stats:?}");
    assert_eq!(stats.queue_drops as usize, 100 - got, "{stats:?}");
    assert!(stats.queue_drops > 0, "{stats:?}");
}
