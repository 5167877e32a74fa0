//! Protocols, port ranges and peers, normalised once for every format.

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use super::GroupRef;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// `-1` / `all`: every protocol, ports ignored.
    All,
    Tcp,
    Udp,
    Icmp,
    Icmpv6,
    /// Another IP protocol number.
    Number(u8),
    /// Not resolvable statically.
    Unknown,
}

impl Protocol {
    /// Parses a protocol name or number as CloudFormation, Terraform and
    /// eksctl write it (case-insensitive).
    pub fn parse(text: &str) -> Protocol {
        let t = text.trim();
        match t.to_ascii_lowercase().as_str() {
            "-1" | "all" | "any" => Protocol::All,
            "tcp" | "6" => Protocol::Tcp,
            "udp" | "17" => Protocol::Udp,
            "icmp" | "1" => Protocol::Icmp,
            "icmpv6" | "58" => Protocol::Icmpv6,
            // Any other spelling of a number (`06`) is the protocol it names,
            // so that it covers, and is covered by, that protocol's name.
            other => match other.parse::<u8>() {
                Ok(1) => Protocol::Icmp,
                Ok(6) => Protocol::Tcp,
                Ok(17) => Protocol::Udp,
                Ok(58) => Protocol::Icmpv6,
                Ok(n) => Protocol::Number(n),
                Err(_) => Protocol::Unknown,
            },
        }
    }

    /// Whether a rule with this protocol covers traffic of `flow`.
    pub fn covers(self, flow: Protocol) -> bool {
        self == Protocol::All || (self == flow && self != Protocol::Unknown)
    }

    /// Whether ports matter for this protocol.
    pub fn has_ports(self) -> bool {
        matches!(self, Protocol::Tcp | Protocol::Udp)
    }

    pub fn label(self) -> String {
        match self {
            Protocol::All => "all".into(),
            Protocol::Tcp => "TCP".into(),
            Protocol::Udp => "UDP".into(),
            Protocol::Icmp => "ICMP".into(),
            Protocol::Icmpv6 => "ICMPv6".into(),
            Protocol::Number(n) => format!("protocol {n}"),
            Protocol::Unknown => "unknown protocol".into(),
        }
    }
}

/// An inclusive port range. Unknown bounds are `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PortRange {
    pub from: Option<i64>,
    pub to: Option<i64>,
}

impl PortRange {
    pub const ALL: PortRange = PortRange {
        from: Some(0),
        to: Some(65535),
    };

    pub fn new(from: Option<i64>, to: Option<i64>) -> Self {
        PortRange { from, to }
    }

    pub fn single(port: i64) -> Self {
        PortRange {
            from: Some(port),
            to: Some(port),
        }
    }

    /// Builds the range of a rule with `protocol`: all-protocol rules and
    /// `-1` bounds (AWS's "all ports") cover every port.
    pub fn for_rule(protocol: Protocol, from: Option<i64>, to: Option<i64>) -> Self {
        if protocol == Protocol::All {
            return PortRange::ALL;
        }
        match (from, to) {
            (Some(-1), _) | (_, Some(-1)) if protocol.has_ports() => PortRange::ALL,
            // Terraform and CloudFormation both accept 0-0 for "all ports" on
            // TCP/UDP only in the all-protocol case, so 0-0 stays as written.
            _ => PortRange { from, to },
        }
    }

    /// `Some(true)` when the range holds `port`, `Some(false)` when it
    /// does not, `None` when a bound is unknown.
    pub fn contains(&self, port: i64) -> Option<bool> {
        // Both bounds first: an unknown bound may be `-1` (all ports), so a
        // port below a known `from` is not ruled out while `to` is unknown.
        let (from, to) = (self.from?, self.to?);
        Some(from <= port && port <= to)
    }

    pub fn is_known(&self) -> bool {
        self.from.is_some() && self.to.is_some()
    }

    pub fn label(&self) -> String {
        match (self.from, self.to) {
            (Some(0), Some(65535)) => "all ports".into(),
            (Some(a), Some(b)) if a == b => format!("port {a}"),
            (Some(a), Some(b)) => format!("ports {a}-{b}"),
            _ => "unknown ports".into(),
        }
    }
}

/// The other side of a rule.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Peer {
    Cidr(IpNet),
    PrefixList(String),
    Group(GroupRef),
    /// The rule's own group (`self = true`, `SourceSecurityGroupId` equal to
    /// the group, eksctl's self rules).
    SelfRef,
    /// Not resolvable statically.
    Unknown,
}

impl Peer {
    /// Parses a CIDR; a malformed one is `Unknown` rather than a guess.
    pub fn cidr(text: &str) -> Peer {
        let t = text.trim();
        t.parse::<IpNet>()
            .or_else(|_| t.parse::<Ipv4Net>().map(IpNet::V4))
            .or_else(|_| t.parse::<Ipv6Net>().map(IpNet::V6))
            .map_or(Peer::Unknown, Peer::Cidr)
    }

    /// `0.0.0.0/0` or `::/0`.
    pub fn is_world(&self) -> bool {
        matches!(self, Peer::Cidr(net) if net.prefix_len() == 0)
    }

    pub fn is_world_v4(&self) -> bool {
        matches!(self, Peer::Cidr(IpNet::V4(net)) if net.prefix_len() == 0)
    }

    pub fn is_world_v6(&self) -> bool {
        matches!(self, Peer::Cidr(IpNet::V6(net)) if net.prefix_len() == 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocols_parse_names_and_numbers() {
        assert_eq!(Protocol::parse("-1"), Protocol::All);
        assert_eq!(Protocol::parse("TCP"), Protocol::Tcp);
        assert_eq!(Protocol::parse("17"), Protocol::Udp);
        assert_eq!(Protocol::parse("icmpv6"), Protocol::Icmpv6);
        assert_eq!(Protocol::parse("50"), Protocol::Number(50));
        assert_eq!(Protocol::parse("bogus"), Protocol::Unknown);
        assert_eq!(Protocol::parse("06"), Protocol::Tcp);
        assert!(Protocol::All.covers(Protocol::Udp));
        assert!(!Protocol::Tcp.covers(Protocol::Udp));
        assert!(!Protocol::Unknown.covers(Protocol::Unknown));
    }

    #[test]
    fn port_ranges() {
        let r = PortRange::for_rule(Protocol::Tcp, Some(1025), Some(65535));
        assert_eq!(r.contains(10250), Some(true));
        assert_eq!(r.contains(443), Some(false));
        assert_eq!(
            PortRange::for_rule(Protocol::All, None, None),
            PortRange::ALL
        );
        assert_eq!(
            PortRange::for_rule(Protocol::Tcp, Some(-1), Some(-1)),
            PortRange::ALL
        );
        assert_eq!(PortRange::new(None, Some(5)).contains(3), None);
        // Unknown whichever bound is unknown, even where the known one
        // alone would exclude the port.
        assert_eq!(PortRange::new(Some(1025), None).contains(443), None);
        assert_eq!(PortRange::new(None, Some(80)).contains(443), None);
    }

    #[test]
    fn peers() {
        assert!(Peer::cidr("0.0.0.0/0").is_world_v4());
        assert!(Peer::cidr("::/0").is_world_v6());
        assert!(!Peer::cidr("10.0.0.0/8").is_world());
        assert_eq!(Peer::cidr("nonsense"), Peer::Unknown);
    }
}
