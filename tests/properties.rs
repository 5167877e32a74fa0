//! Property tests for the network vocabulary every flow verdict rests on:
//! CIDR containment, port ranges and protocol matching (see "Flows" and
//! "Protocols" in the domain notes). Each property states the semantics
//! independently of the code (a mask, an inclusive range, a table of names)
//! and checks the code against it on generated values.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use eks_sg_lint::model::net::{Peer, PortRange, Protocol};
use ipnet::IpNet;
use proptest::prelude::*;

// ---------------------------------------------------------------- CIDRs

fn mask4(prefix: u8) -> u32 {
    u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0)
}

fn mask6(prefix: u8) -> u128 {
    u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0)
}

fn net_of(text: &str) -> IpNet {
    match Peer::cidr(text) {
        Peer::Cidr(net) => net,
        other => panic!("{text:?} did not parse as a CIDR: {other:?}"),
    }
}

/// Surrounding white space as templates carry it.
fn padding() -> impl Strategy<Value = String> {
    prop::collection::vec(prop_oneof![Just(' '), Just('\t'), Just('\n')], 0..3)
        .prop_map(|v| v.into_iter().collect())
}

proptest! {
    /// An IPv4 CIDR holds exactly the addresses that agree with it on its
    /// prefix bits: every address generated inside it, none outside, and no
    /// IPv6 address.
    #[test]
    fn v4_cidr_holds_exactly_its_addresses(
        addr: u32, prefix in 0u8..=32, host: u32, probe: u32, flip in 0u8..32, v6: u128,
    ) {
        let text = format!("{}/{prefix}", Ipv4Addr::from(addr));
        let net = net_of(&text);
        let mask = mask4(prefix);
        prop_assert_eq!(net.prefix_len(), prefix);
        prop_assert!(matches!(net, IpNet::V4(_)));

        let inside = (addr & mask) | (host & !mask);
        prop_assert!(net.contains(&IpAddr::V4(inside.into())));
        if prefix > 0 {
            // Flipping a bit of the prefix leaves the network.
            let bit = 31 - u32::from(flip % prefix);
            let outside = inside ^ (1 << bit);
            prop_assert!(!net.contains(&IpAddr::V4(outside.into())));
        }
        let naive = probe & mask == addr & mask;
        prop_assert_eq!(net.contains(&IpAddr::V4(probe.into())), naive);
        prop_assert!(!net.contains(&IpAddr::V6(v6.into())));
    }

    /// The same for IPv6.
    #[test]
    fn v6_cidr_holds_exactly_its_addresses(
        addr: u128, prefix in 0u8..=128, host: u128, probe: u128, flip in 0u8..128, v4: u32,
    ) {
        let text = format!("{}/{prefix}", Ipv6Addr::from(addr));
        let net = net_of(&text);
        let mask = mask6(prefix);
        prop_assert_eq!(net.prefix_len(), prefix);
        prop_assert!(matches!(net, IpNet::V6(_)));

        let inside = (addr & mask) | (host & !mask);
        prop_assert!(net.contains(&IpAddr::V6(inside.into())));
        if prefix > 0 {
            let bit = 127 - u32::from(flip % prefix);
            let outside = inside ^ (1 << bit);
            prop_assert!(!net.contains(&IpAddr::V6(outside.into())));
        }
        let naive = probe & mask == addr & mask;
        prop_assert_eq!(net.contains(&IpAddr::V6(probe.into())), naive);
        prop_assert!(!net.contains(&IpAddr::V4(v4.into())));
    }

    /// One IPv4 network holds another exactly when it is no more specific
    /// and they agree on its prefix bits.
    #[test]
    fn v4_subnets(a: u32, pa in 0u8..=32, b: u32, pb in 0u8..=32) {
        let outer = net_of(&format!("{}/{pa}", Ipv4Addr::from(a)));
        let inner = net_of(&format!("{}/{pb}", Ipv4Addr::from(b)));
        let naive = pb >= pa && (a & mask4(pa)) == (b & mask4(pa));
        prop_assert_eq!(outer.contains(&inner), naive);
    }

    /// The world is prefix 0 of either family, and only that; it holds
    /// every address of its family.
    #[test]
    fn world_cidrs(addr4: u32, addr6: u128, p4 in 0u8..=32, p6 in 0u8..=128) {
        let v4 = Peer::cidr(&format!("{}/{p4}", Ipv4Addr::from(addr4)));
        let v6 = Peer::cidr(&format!("{}/{p6}", Ipv6Addr::from(addr6)));
        prop_assert_eq!(v4.is_world(), p4 == 0);
        prop_assert_eq!(v4.is_world_v4(), p4 == 0);
        prop_assert!(!v4.is_world_v6());
        prop_assert_eq!(v6.is_world(), p6 == 0);
        prop_assert_eq!(v6.is_world_v6(), p6 == 0);
        prop_assert!(!v6.is_world_v4());

        let world4 = net_of("0.0.0.0/0");
        let world6 = net_of("::/0");
        prop_assert!(world4.contains(&IpAddr::V4(addr4.into())));
        prop_assert!(world6.contains(&IpAddr::V6(addr6.into())));
        prop_assert!(!world4.contains(&IpAddr::V6(addr6.into())));
        prop_assert!(!world6.contains(&IpAddr::V4(addr4.into())));
    }

    /// White space around a CIDR does not change it; the parsed network
    /// prints as a CIDR that parses back to itself.
    #[test]
    fn cidr_text_round_trips(addr: u32, prefix in 0u8..=32, addr6: u128, p6 in 0u8..=128,
                             before in padding(), after in padding()) {
        for text in [
            format!("{}/{prefix}", Ipv4Addr::from(addr)),
            format!("{}/{p6}", Ipv6Addr::from(addr6)),
        ] {
            let peer = Peer::cidr(&text);
            prop_assert_eq!(&Peer::cidr(&format!("{before}{text}{after}")), &peer);
            let net = net_of(&text);
            prop_assert_eq!(Peer::cidr(&net.to_string()), Peer::Cidr(net));
        }
    }

    /// What is not a CIDR is `Unknown`, never a guess: a bare address, a
    /// prefix longer than the family's, arbitrary text.
    #[test]
    fn malformed_cidrs_are_unknown(addr: u32, addr6: u128, p4 in 33u16..1000, p6 in 129u16..1000,
                                   junk in "[a-z ./:-]{0,20}") {
        prop_assert_eq!(Peer::cidr(&Ipv4Addr::from(addr).to_string()), Peer::Unknown);
        prop_assert_eq!(Peer::cidr(&Ipv6Addr::from(addr6).to_string()), Peer::Unknown);
        prop_assert_eq!(Peer::cidr(&format!("{}/{p4}", Ipv4Addr::from(addr))), Peer::Unknown);
        prop_assert_eq!(Peer::cidr(&format!("{}/{p6}", Ipv6Addr::from(addr6))), Peer::Unknown);
        prop_assert_eq!(Peer::cidr(&junk), Peer::Unknown);
    }
}

// ---------------------------------------------------------------- protocols

/// The protocol a number names, per the domain notes: 1, 6, 17 and 58 have
/// names; other numbers are themselves.
fn named(n: u8) -> Protocol {
    match n {
        1 => Protocol::Icmp,
        6 => Protocol::Tcp,
        17 => Protocol::Udp,
        58 => Protocol::Icmpv6,
        n => Protocol::Number(n),
    }
}

fn protocol() -> impl Strategy<Value = Protocol> {
    prop_oneof![
        Just(Protocol::All),
        Just(Protocol::Tcp),
        Just(Protocol::Udp),
        Just(Protocol::Icmp),
        Just(Protocol::Icmpv6),
        any::<u8>().prop_map(named),
        Just(Protocol::Unknown),
    ]
}

/// `text` with each letter's case chosen by `mask`.
fn recase(text: &str, mask: u32) -> String {
    text.chars()
        .enumerate()
        .map(|(i, c)| {
            if mask >> (i % 32) & 1 == 1 {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect()
}

const NAMES: &[(&str, Protocol)] = &[
    ("-1", Protocol::All),
    ("all", Protocol::All),
    ("tcp", Protocol::Tcp),
    ("6", Protocol::Tcp),
    ("udp", Protocol::Udp),
    ("17", Protocol::Udp),
    ("icmp", Protocol::Icmp),
    ("1", Protocol::Icmp),
    ("icmpv6", Protocol::Icmpv6),
    ("58", Protocol::Icmpv6),
];

proptest! {
    /// Names and numbers parse case-insensitively, white space aside.
    #[test]
    fn protocol_names_parse(i in 0..NAMES.len(), mask: u32, before in padding(), after in padding()) {
        let (name, expected) = NAMES[i];
        prop_assert_eq!(Protocol::parse(&format!("{before}{}{after}", recase(name, mask))), expected);
    }

    /// Every protocol number parses to the protocol it names, however it is
    /// written (`6`, `06`): a named protocol is never a bare `Number`, which
    /// would not match its name.
    #[test]
    fn protocol_numbers_parse_to_their_protocol(n: u8, zeros in 0usize..3) {
        let expected = named(n);
        prop_assert_eq!(Protocol::parse(&n.to_string()), expected);
        prop_assert_eq!(Protocol::parse(&format!("{}{n}", "0".repeat(zeros))), expected);
        prop_assert!(!matches!(Protocol::parse(&n.to_string()), Protocol::Number(1 | 6 | 17 | 58)));
    }

    /// Numbers outside 0..=255 (other than -1) and other words are unknown.
    #[test]
    fn other_protocols_are_unknown(n in prop_oneof![256i64.., i64::MIN..-1], word in "[a-z]{2,8}") {
        prop_assert_eq!(Protocol::parse(&n.to_string()), Protocol::Unknown);
        if !["all", "any", "tcp", "udp", "icmp"].contains(&word.as_str()) {
            prop_assert_eq!(Protocol::parse(&word), Protocol::Unknown);
        }
    }

    /// `covers`: all covers every protocol (even an unknown one); a known
    /// protocol covers itself and nothing else; unknown covers nothing.
    #[test]
    fn covers(rule in protocol(), flow in protocol()) {
        let expected = match (rule, flow) {
            (Protocol::All, _) => true,
            (Protocol::Unknown, _) | (_, Protocol::Unknown) => false,
            (r, f) => r == f,
        };
        prop_assert_eq!(rule.covers(flow), expected);
    }

    /// Spellings of one protocol cover each other: `6` covers `tcp`.
    #[test]
    fn covers_across_spellings(i in 0..NAMES.len(), j in 0..NAMES.len()) {
        let (a, pa) = NAMES[i];
        let (b, pb) = NAMES[j];
        prop_assert_eq!(Protocol::parse(a).covers(Protocol::parse(b)), pa == Protocol::All || pa == pb);
    }

    /// Only TCP and UDP have ports.
    #[test]
    fn ports_matter_for_tcp_and_udp_only(p in protocol()) {
        prop_assert_eq!(p.has_ports(), p == Protocol::Tcp || p == Protocol::Udp);
    }
}

// ---------------------------------------------------------------- ports

fn bound() -> impl Strategy<Value = Option<i64>> {
    prop_oneof![
        Just(None),
        Just(Some(-1)),
        Just(Some(0)),
        Just(Some(65535)),
        (0i64..=65535).prop_map(Some),
        any::<i64>().prop_map(Some),
    ]
}

fn port() -> impl Strategy<Value = i64> {
    prop_oneof![0i64..=65535, -2i64..=2, 65534i64..=65537, any::<i64>()]
}

proptest! {
    /// A rule's range: every port for all-protocol rules and for a TCP/UDP
    /// rule with a `-1` bound (AWS's "all ports"); otherwise as written,
    /// unknown bounds included (ICMP's `-1` is a type/code, not a port).
    #[test]
    fn rule_ranges(p in protocol(), from in bound(), to in bound()) {
        let range = PortRange::for_rule(p, from, to);
        let all_ports = p == Protocol::All
            || (matches!(p, Protocol::Tcp | Protocol::Udp) && (from == Some(-1) || to == Some(-1)));
        if all_ports {
            prop_assert_eq!(range, PortRange::ALL);
        } else {
            prop_assert_eq!(range, PortRange::new(from, to));
        }
    }

    /// `contains` is membership of the inclusive range, and unknown (not
    /// false) when a bound is unknown.
    #[test]
    fn range_contains(from in bound(), to in bound(), port in port()) {
        let range = PortRange::new(from, to);
        let expected = match (from, to) {
            (Some(a), Some(b)) => Some((a..=b).contains(&port)),
            _ => None,
        };
        prop_assert_eq!(range.contains(port), expected);
        prop_assert_eq!(range.is_known(), from.is_some() && to.is_some());
    }

    /// All-ports rules hold every port; a single port holds only itself.
    #[test]
    fn all_ports_and_single_ports(p in 0i64..=65535, q in port(), other in bound()) {
        prop_assert_eq!(PortRange::for_rule(Protocol::All, None, None).contains(p), Some(true));
        prop_assert_eq!(PortRange::for_rule(Protocol::Tcp, Some(-1), other).contains(p), Some(true));
        prop_assert_eq!(PortRange::for_rule(Protocol::Udp, other, Some(-1)).contains(p), Some(true));
        prop_assert_eq!(PortRange::single(p).contains(q), Some(p == q));
    }

    /// ICMP and other non-port protocols keep their bounds as written, `-1`
    /// included.
    #[test]
    fn icmp_bounds_stay(n: u8, from in bound(), to in bound()) {
        for p in [Protocol::Icmp, Protocol::Icmpv6, Protocol::Unknown, Protocol::Number(n)] {
            if p.has_ports() {
                continue;
            }
            prop_assert_eq!(PortRange::for_rule(p, from, to), PortRange::new(from, to));
        }
    }
}
