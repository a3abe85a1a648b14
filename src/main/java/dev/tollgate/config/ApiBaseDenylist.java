package dev.tollgate.config;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code general_settings.api_base_denylist}: the hosts and address ranges that the {@code
 * api_base} of a model created through the admin API may not point at. Entries are CIDRs ({@code
 * 169.254.0.0/16}, {@code fe80::/10}), single addresses, or host names (which also match their
 * subdomains). When the setting is absent, {@link #DEFAULT} refuses the link-local and cloud
 * metadata endpoints; an empty list turns the check off. Immutable; {@link #check} resolves host
 * names and so blocks: call it from a worker thread.
 */
public final class ApiBaseDenylist {
  // Before DEFAULT: parsing it uses this.
  private static final java.util.regex.Pattern IPV4 =
      java.util.regex.Pattern.compile(
          "(25[0-5]|2[0-4]\\d|1?\\d?\\d)(\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)){3}");

  /** Link-local ranges and the metadata endpoints of AWS, GCP and Alibaba Cloud. */
  public static final ApiBaseDenylist DEFAULT =
      of(
          List.of(
              "169.254.0.0/16",
              "fe80::/10",
              "fd00:ec2::254",
              "metadata.google.internal",
              "100.100.100.200"));

  /** Resolves a host name to its addresses; the system resolver in production. */
  public interface Resolver {
    List<InetAddress> resolve(String host) throws UnknownHostException;
  }

  /** The JVM's resolver (blocking). */
  public static final Resolver SYSTEM = host -> List.of(InetAddress.getAllByName(host));

  private sealed interface Entry {}

  private record Cidr(String text, byte[] network, int prefix) implements Entry {
    boolean contains(InetAddress a) {
      byte[] b = a.getAddress();
      if (b.length != network.length) {
        return false;
      }
      int full = prefix / 8;
      for (int i = 0; i < full; i++) {
        if (b[i] != network[i]) {
          return false;
        }
      }
      int rest = prefix % 8;
      if (rest == 0) {
        return true;
      }
      int mask = (0xff << (8 - rest)) & 0xff;
      return (b[full] & mask) == (network[full] & mask);
    }
  }

  private record Host(String name) implements Entry {
    boolean matches(String host) {
      return host.equals(name) || host.endsWith("." + name);
    }
  }

  private final List<String> entries;
  private final List<Entry> parsed;

  private ApiBaseDenylist(List<String> entries, List<Entry> parsed) {
    this.entries = List.copyOf(entries);
    this.parsed = List.copyOf(parsed);
  }

  /**
   * Parses the entries.
   *
   * @throws IllegalArgumentException naming an entry that is neither a CIDR, an address nor a host
   *     name
   */
  public static ApiBaseDenylist of(List<String> entries) {
    List<Entry> parsed = new ArrayList<>();
    for (String raw : entries) {
      Objects.requireNonNull(raw, "entry");
      parsed.add(parse(raw.strip()));
    }
    return new ApiBaseDenylist(entries, parsed);
  }

  private static Entry parse(String e) {
    if (e.isEmpty()) {
      throw new IllegalArgumentException("an entry is empty");
    }
    int slash = e.indexOf('/');
    String addr = slash < 0 ? e : e.substring(0, slash);
    Optional<InetAddress> literal = literal(addr);
    if (literal.isEmpty()) {
      if (slash >= 0 || !e.matches("[A-Za-z0-9.\\-_]+")) {
        throw new IllegalArgumentException(
            "'" + e + "' is neither a CIDR (such as 169.254.0.0/16), an address nor a host name");
      }
      return new Host(normalise(e));
    }
    byte[] network = literal.get().getAddress();
    int max = network.length * 8;
    int prefix = max;
    if (slash >= 0) {
      try {
        prefix = Integer.parseInt(e.substring(slash + 1));
      } catch (NumberFormatException x) {
        prefix = -1;
      }
      if (prefix < 0 || prefix > max) {
        throw new IllegalArgumentException("'" + e + "' has a prefix length outside 0 to " + max);
      }
    }
    return new Cidr(e, network, prefix);
  }

  /** The entries as written. */
  public List<String> entries() {
    return entries;
  }

  /**
   * Why {@code apiBase} is denied, or empty if it is allowed. A host name is matched against the
   * name entries, then resolved (blocking) and every address matched against the ranges; a name
   * that does not resolve is allowed, as the call to it would fail anyway.
   */
  public Optional<String> check(String apiBase, Resolver resolver) {
    if (parsed.isEmpty()) {
      return Optional.empty();
    }
    String host;
    try {
      host = URI.create(apiBase.strip()).getHost();
    } catch (IllegalArgumentException e) {
      return Optional.of("'" + apiBase + "' is not a valid URL");
    }
    if (host == null || host.isEmpty()) {
      return Optional.of("'" + apiBase + "' has no host");
    }
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    host = normalise(host);
    List<InetAddress> addresses;
    Optional<InetAddress> literal = literal(host);
    if (literal.isPresent()) {
      addresses = List.of(literal.get());
    } else {
      for (Entry e : parsed) {
        if (e instanceof Host h && h.matches(host)) {
          return Optional.of("host '" + host + "' is denied by the entry '" + h.name() + "'");
        }
      }
      try {
        addresses = resolver.resolve(host);
      } catch (UnknownHostException e) {
        return Optional.empty();
      }
    }
    for (InetAddress a : addresses) {
      for (Entry e : parsed) {
        if (e instanceof Cidr c && c.contains(a)) {
          String shown = a.getHostAddress();
          return Optional.of(
              "host '"
                  + host
                  + "'"
                  + (literal.isPresent() ? "" : " resolves to " + shown + ", which")
                  + " is in the denied range "
                  + c.text());
        }
      }
    }
    return Optional.empty();
  }

  /** The address when {@code s} is an IP literal; never a DNS lookup. */
  private static Optional<InetAddress> literal(String s) {
    // InetAddress.getByName does no lookup for a dotted quad or text with ':' (an IPv6 literal).
    if (!IPV4.matcher(s).matches() && !(s.indexOf(':') >= 0 && s.matches("[0-9A-Fa-f:.]+"))) {
      return Optional.empty();
    }
    try {
      return Optional.of(InetAddress.getByName(s));
    } catch (UnknownHostException e) {
      return Optional.empty();
    }
  }

  private static String normalise(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
  }

  @Override
  public boolean equals(@org.jspecify.annotations.Nullable Object o) {
    return o instanceof ApiBaseDenylist d && d.entries.equals(entries);
  }

  @Override
  public int hashCode() {
    return entries.hashCode();
  }

  @Override
  public String toString() {
    return "ApiBaseDenylist" + entries;
  }
}
