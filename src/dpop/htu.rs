//! The `htu` comparison of RFC 9449 section 4.3: the proof's `htu` and the request's URL are
//! compared without query and fragment, after the normalisations RFC 3986 allows without
//! knowing the resource (section 6.2.2, syntax-based; section 6.2.3, scheme-based):
//!
//! - scheme and host in lower case; only `http` and `https` are accepted;
//! - the default port (80, 443) and an empty port removed, a port's leading zeros dropped;
//! - an empty path is `/`;
//! - percent-encoded unreserved characters decoded, other percent-encodings in upper case,
//!   and characters that must be percent-encoded but arrived raw (`|`, `^`, ...) encoded, so
//!   a URL as a browser serialises it and its fully encoded form compare equal;
//! - the dot segments `.` and `..` of the path removed (section 5.2.4).
//!
//! User information (`user@host`) is refused: an HTTP target URI has none (RFC 9110 4.2.4).
//! Anything but printable ASCII before the query is refused.

use alloc::string::String;

/// `uri` in normal form, without query and fragment; `None` when it is not an absolute
/// `http` / `https` URI with a host.
pub fn normalize(uri: &str) -> Option<String> {
    // The query and fragment are not compared, so they are not looked at either.
    let uri = uri.split(['?', '#']).next().unwrap_or("");
    if !uri.bytes().all(|b| b.is_ascii_graphic()) {
        return None;
    }
    let (scheme, rest) = uri.split_once(':')?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "http" => 80,
        "https" => 443,
        _ => return None,
    };
    let rest = rest.strip_prefix("//")?;
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at_checked(i)?,
        None => (rest, ""),
    };
    if authority.contains('@') {
        return None;
    }
    let (host, port) = split_port(authority)?;
    if host.is_empty() {
        return None;
    }
    let mut out = scheme;
    out.push_str("://");
    out.push_str(&percent_normalize(host, Part::Host)?);
    if let Some(port) = port {
        if port != default_port {
            out.push(':');
            out.push_str(&alloc::format!("{port}"));
        }
    }
    let path = if path.is_empty() { "/" } else { path };
    out.push_str(&remove_dot_segments(&percent_normalize(path, Part::Path)?));
    Some(out)
}

/// `host[:port]`: the host (a registered name, or an IP literal in brackets) and the port
/// number, `None` for an empty port. `None` overall when the host holds characters a host
/// cannot, or the port is not a 16-bit number.
fn split_port(authority: &str) -> Option<(&str, Option<u16>)> {
    let (host, port) = if authority.starts_with('[') {
        let end = authority.find(']')?;
        let (host, rest) = authority.split_at_checked(end + 1)?;
        let inner = host.get(1..end)?;
        if !inner
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b':' || b == b'.')
        {
            return None;
        }
        match rest {
            "" => (host, ""),
            _ => (host, rest.strip_prefix(':')?),
        }
    } else {
        let (host, port) = authority.rsplit_once(':').unwrap_or((authority, ""));
        if host.bytes().any(|b| matches!(b, b':' | b'[' | b']')) {
            return None;
        }
        (host, port)
    };
    if port.is_empty() {
        return Some((host, None));
    }
    if !port.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let digits = port.trim_start_matches('0');
    let value = if digits.is_empty() {
        0
    } else {
        digits.parse::<u16>().ok()?
    };
    Some((host, Some(value)))
}

/// Which part of the URI [`percent_normalize`] works on.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Part {
    /// The host: case-insensitive, so its letters are lowered (not the hex of an encoding).
    Host,
    /// The path: `/` separates segments and stays as it is.
    Path,
}

/// Percent-encodings normalised: unreserved characters decoded, the rest with upper-case hex;
/// raw characters outside the URI syntax (`"`, `<`, `|`, ...) encoded. `None` for a `%` not
/// followed by two hex digits.
fn percent_normalize(s: &str, part: Part) -> Option<String> {
    let literal = |b: u8| match part {
        Part::Host => char::from(b.to_ascii_lowercase()),
        Part::Path => char::from(b),
    };
    let mut out = String::with_capacity(s.len());
    let mut bytes = s.bytes();
    while let Some(b) = bytes.next() {
        if b == b'%' {
            let hi = hex_value(bytes.next()?)?;
            let lo = hex_value(bytes.next()?)?;
            let decoded = (hi << 4) | lo;
            if is_unreserved(decoded) {
                out.push(literal(decoded));
            } else {
                push_encoded(&mut out, decoded);
            }
        } else if is_unreserved(b)
            || is_sub_delim(b)
            || matches!(b, b':' | b'@' | b'[' | b']')
            || (part == Part::Path && b == b'/')
        {
            out.push(literal(b));
        } else {
            push_encoded(&mut out, b);
        }
    }
    Some(out)
}

fn push_encoded(out: &mut String, b: u8) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.push('%');
    for nibble in [b >> 4, b & 0x0f] {
        out.push(char::from(
            HEX.get(usize::from(nibble)).copied().unwrap_or(b'0'),
        ));
    }
}

fn hex_value(b: u8) -> Option<u8> {
    char::from(b)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

/// RFC 3986 2.3.
fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// RFC 3986 2.2.
fn is_sub_delim(b: u8) -> bool {
    matches!(
        b,
        b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'='
    )
}

/// RFC 3986 5.2.4, for an absolute path (it starts with `/`).
fn remove_dot_segments(path: &str) -> String {
    let mut input = path;
    let mut out = String::with_capacity(path.len());
    while !input.is_empty() {
        if let Some(rest) = input.strip_prefix("../") {
            input = rest;
        } else if let Some(rest) = input.strip_prefix("./") {
            input = rest;
        } else if let Some(rest) = input.strip_prefix("/.").filter(|r| r.starts_with('/')) {
            input = rest;
        } else if input == "/." {
            input = "/";
        } else if let Some(rest) = input.strip_prefix("/..").filter(|r| r.starts_with('/')) {
            input = rest;
            pop_segment(&mut out);
        } else if input == "/.." {
            input = "/";
            pop_segment(&mut out);
        } else if input == "." || input == ".." {
            input = "";
        } else {
            // Move the first segment (with its leading `/`) to the output.
            let skip = usize::from(input.starts_with('/'));
            let end = input
                .get(skip..)
                .and_then(|s| s.find('/'))
                .map_or(input.len(), |i| i + skip);
            let (segment, rest) = input.split_at_checked(end).unwrap_or((input, ""));
            out.push_str(segment);
            input = rest;
        }
    }
    out
}

/// Removes the last segment and its preceding `/` from `out`.
fn pop_segment(out: &mut String) {
    match out.rfind('/') {
        Some(i) => out.truncate(i),
        None => out.clear(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Option<String> {
        normalize(s)
    }

    #[test]
    fn equal_forms() {
        let same = [
            "https://server.example.com/token",
            "HTTPS://Server.Example.COM/token",
            "https://server.example.com:443/token",
            "https://server.example.com:0443/token",
            "https://server.example.com:/token",
            "https://server.example.com/token?x=1",
            "https://server.example.com/token#frag",
            "https://server.example.com/a/../token",
            "https://server.example.com/./token",
            "https://server.example.com/%74oken",
            "https://server.example.com/tok%65n?q#f",
        ];
        for s in same {
            assert_eq!(
                n(s).as_deref(),
                Some("https://server.example.com/token"),
                "{s}"
            );
        }
        assert_eq!(n("http://h").as_deref(), Some("http://h/"));
        assert_eq!(n("http://h:80").as_deref(), Some("http://h/"));
        assert_eq!(n("http://h:8080/").as_deref(), Some("http://h:8080/"));
        assert_eq!(n("https://h:80/").as_deref(), Some("https://h:80/"));
        assert_eq!(
            n("http://[::1]:8080/x").as_deref(),
            Some("http://[::1]:8080/x")
        );
        assert_eq!(n("http://[::1]/x").as_deref(), Some("http://[::1]/x"));
        assert_eq!(n("http://h/a%2fb").as_deref(), Some("http://h/a%2Fb"));
        assert_eq!(n("http://%41%2f/").as_deref(), Some("http://a%2F/"));
        assert_eq!(
            n("http://[::FFFF:1.2.3.4]:80/").as_deref(),
            Some("http://[::ffff:1.2.3.4]/")
        );
        assert_eq!(n("http://h/a|b").as_deref(), n("http://h/a%7cb").as_deref());
        assert_eq!(
            n("http://h/a/b/../../c/./d/..").as_deref(),
            Some("http://h/c/")
        );
        assert_eq!(n("http://h/../../x").as_deref(), Some("http://h/x"));
    }

    #[test]
    fn different_resources_differ() {
        let base = n("https://server.example.com/token");
        for s in [
            "https://server.example.com/token/",
            "https://server.example.com/Token",
            "http://server.example.com/token",
            "https://server.example.com:8443/token",
            "https://other.example.com/token",
            "https://server.example.com/token%2F",
        ] {
            assert_ne!(n(s), base, "{s}");
        }
    }

    #[test]
    fn refused() {
        for s in [
            "",
            "/token",
            "server.example.com/token",
            "ftp://h/x",
            "https:/h/x",
            "https:h",
            "https://",
            "https:///x",
            "https://user@h/x",
            "https://h:65536/x",
            "https://h:8a/x",
            "https://h/%zz",
            "http://::",
            "http://[::1/x",
            "http://[::1]x/",
            "http://[a%41]/",
            "http://h]/",
            "https://h/%4",
            "https://h/a b",
            "https://h/\u{e9}",
        ] {
            assert_eq!(n(s), None, "{s:?}");
        }
    }
}
