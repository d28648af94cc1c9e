// Which hosts the background may fetch a peer-chosen URL from (a remote attachment, an avatar from a
// name record): public ones only. A URL in a message must not make the extension probe this machine,
// the local network or a cloud metadata address (SSRF). Takes a hostname as `new URL` gives it, which
// has already turned the numeric IPv4 forms (2130706433, 0x7f.1, 0177.0.0.1, 127.1) into dotted
// decimal and IPv6 into its short hex form ([::ffff:7f00:1]). A name that resolves to a private
// address cannot be told apart here (an extension cannot resolve names): that part rests on the
// browser's own private-network protections.

/** Names that never mean a public host: RFC 6761 `localhost`, mDNS `.local`, RFC 8375 `home.arpa`, ICANN's `.internal`, the customary `.lan`. */
const PRIVATE_SUFFIXES = ['localhost', 'local', 'home.arpa', 'internal', 'lan'];

/** True when `hostname` may be on the public internet; false for loopback, private, link-local, unique-local, CGNAT, multicast, reserved and local names. */
export function isPublicHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/\.$/, '');
  if (h.startsWith('[') || h.includes(':')) {
    const groups = ipv6Groups(h.replace(/^\[|\]$/g, ''));
    return groups !== undefined && isPublicIpv6(groups);
  }
  const v4 = ipv4(h);
  if (v4) return isPublicIpv4(v4);
  if (/^[\d.]+$/.test(h)) return false; // a numeric form URL did not normalize: not an address we can vouch for
  // A name without a dot is resolved through the local search domains (http://router/, http://nas/).
  if (!h.includes('.')) return false;
  return !PRIVATE_SUFFIXES.some((s) => h === s || h.endsWith('.' + s));
}

/** An http(s) URL without credentials on a public host (any host with `anyHost`: tests' local servers), parsed; undefined otherwise. */
export function publicHttpUrl(url: string | URL, { anyHost = false } = {}): URL | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if ((u.protocol !== 'https:' && u.protocol !== 'http:') || u.username || u.password) return undefined;
  return anyHost || isPublicHost(u.hostname) ? u : undefined;
}

function ipv4(h: string): number[] | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  const parts = m?.slice(1).map(Number);
  return parts && parts.every((p) => p <= 255) ? parts : undefined;
}

function isPublicIpv4([a, b, c]: number[]): boolean {
  if (a === 0 || a === 10 || a === 127 || a >= 224) return false; // "this network", private, loopback, multicast and reserved (incl. broadcast)
  if (a === 100 && b >= 64 && b < 128) return false; // CGNAT 100.64/10
  if (a === 169 && b === 254) return false; // link-local (cloud metadata at 169.254.169.254)
  if (a === 172 && b >= 16 && b < 32) return false;
  if (a === 192 && b === 168) return false;
  if (a === 192 && b === 0 && (c === 0 || c === 2)) return false; // IETF protocol assignments, documentation
  if (a === 198 && (b === 18 || b === 19)) return false; // benchmarking
  return true;
}

/** The eight 16-bit groups of an IPv6 address (a trailing dotted IPv4 allowed), or undefined if it is not one. */
function ipv6Groups(addr: string): number[] | undefined {
  let s = addr;
  const tail: number[] = [];
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (dotted) {
    const v4 = ipv4(dotted[2]);
    if (!v4) return undefined;
    tail.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
    s = dotted[1].endsWith('::') ? dotted[1] : dotted[1].slice(0, -1);
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => (/^[0-9a-f]{1,4}$/.test(g) ? parseInt(g, 16) : NaN)));
  const head = parse(halves[0]);
  const rest = halves.length === 2 ? parse(halves[1]) : [];
  const known = head.length + rest.length + tail.length;
  if (head.concat(rest).some(Number.isNaN) || known > 8 || (halves.length === 1 && known !== 8)) return undefined;
  return [...head, ...Array<number>(8 - known).fill(0), ...rest, ...tail];
}

function isPublicIpv6(g: number[]): boolean {
  const embedded = [g[6] >> 8, g[6] & 0xff, g[7] >> 8, g[7] & 0xff];
  const zeros = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeros(5) && g[5] === 0xffff) return isPublicIpv4(embedded); // IPv4-mapped ::ffff:a.b.c.d
  if (zeros(6)) return g[6] !== 0 && isPublicIpv4(embedded); // ::, ::1 and IPv4-compatible ::a.b.c.d
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return isPublicIpv4(embedded); // NAT64 64:ff9b::/96
  if (g[0] === 0x2002) return isPublicIpv4([g[1] >> 8, g[1] & 0xff, g[2] >> 8, g[2] & 0xff]); // 6to4 2002:a.b.c.d::/48
  if ((g[0] & 0xfe00) === 0xfc00) return false; // unique-local fc00::/7
  if ((g[0] & 0xffc0) === 0xfe80 || (g[0] & 0xffc0) === 0xfec0) return false; // link-local fe80::/10, old site-local fec0::/10
  if ((g[0] & 0xff00) === 0xff00) return false; // multicast
  if (g[0] === 0x2001 && g[1] === 0x0db8) return false; // documentation
  return true;
}
