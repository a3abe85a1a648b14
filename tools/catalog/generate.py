#!/usr/bin/env python3
"""Build Tollgate's bundled price catalog from LiteLLM's cost map and Pydantic's genai-prices.

Usage:
  tools/catalog/generate.py [--litellm PATH] [--genai PATH] [--out PATH]

Stdlib only. Every number is parsed as decimal.Decimal from its JSON text and every conversion
is exact decimal arithmetic: a float never touches a price. The output is deterministic (sorted
keys, no wall-clock time), so regenerating from the same inputs gives a byte-identical file.

The format and every mapping rule are documented in docs/pricing.md.
"""

import argparse
import collections
import decimal
import json
import os
import re
import sys

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
RATE_KEY_JAVA = os.path.join(REPO, "src/main/java/dev/tollgate/pricing/RateKey.java")
DEFAULT_OUT = os.path.join(REPO, "src/main/resources/dev/tollgate/pricing/catalog.json")
DEFAULT_LITELLM = "/work/shared/data/model_prices_and_context_window.json"
DEFAULT_GENAI = "/work/shared/data/genai-prices/data.json"

SOURCES = {
    "litellm": {
        "name": "LiteLLM model cost map (model_prices_and_context_window.json)",
        "url": "https://github.com/BerriAI/litellm",
        "commit": "caddc6dd0fc26931b3fcc4e91e81a3d90080f3ef",
        "date": "2025-11-21",
        "licence": "MIT, Copyright (c) 2023 Berri AI",
    },
    "genai-prices": {
        "name": "Pydantic genai-prices (prices/data.json)",
        "url": "https://github.com/pydantic/genai-prices",
        "commit": "47df840a5ab10bbcffb8e5ac01b9899032245d1b",
        "date": "2026-08-21",
        "licence": "MIT, Copyright (c) Pydantic Services Inc.",
    },
}

# LiteLLM `litellm_provider` values that are a flavour of another provider: the key prefix is
# the provider a caller writes in `model:`, so these collapse onto it. Anything else maps to
# itself, except the `vertex_ai-*` families, which all become `vertex_ai`.
LITELLM_PROVIDER_PREFIX = {
    "text-completion-openai": "openai",
    "azure_text": "azure",
    "bedrock_converse": "bedrock",
    "cohere_chat": "cohere",
    "text-completion-codestral": "codestral",
    "fireworks_ai-embedding-models": "fireworks_ai",
}

# genai-prices provider id -> LiteLLM provider prefixes. Providers not listed are skipped (their
# LiteLLM name is not certain, or, for huggingface_*, the route has no LiteLLM equivalent).
GENAI_PROVIDERS = {
    "openai": ["openai"],
    "anthropic": ["anthropic"],
    "google": ["gemini", "vertex_ai"],
    "aws": ["bedrock"],
    "azure": ["azure"],
    "x-ai": ["xai"],
    "together": ["together_ai"],
    "fireworks": ["fireworks_ai"],
    "mistral": ["mistral"],
    "groq": ["groq"],
    "deepseek": ["deepseek"],
    "cohere": ["cohere"],
    "cerebras": ["cerebras"],
    "perplexity": ["perplexity"],
    "openrouter": ["openrouter"],
    "moonshotai": ["moonshot"],
    "ovhcloud": ["ovhcloud"],
    "voyageai": ["voyage"],
}

# genai-prices providers whose bare model ids mean that provider in LiteLLM's convention (a bare
# `gpt-4o` is OpenAI's, a bare `gemini-2.5-pro` is Vertex's). Bare aliases from LiteLLM's own
# bare keys take precedence.
GENAI_BARE_ALIAS_PREFIX = {
    "openai": "openai",
    "anthropic": "anthropic",
    "cohere": "cohere",
    "google": "vertex_ai",
}

# genai-prices per-unit field -> (RateKey name, power of ten to scale by).
GENAI_FIELDS = {
    "input_mtok": ("input_cost_per_token", -6),
    "output_mtok": ("output_cost_per_token", -6),
    "cache_read_mtok": ("cache_read_input_token_cost", -6),
    "cache_write_mtok": ("cache_creation_input_token_cost", -6),
    "input_audio_mtok": ("input_cost_per_audio_token", -6),
    "output_audio_mtok": ("output_cost_per_audio_token", -6),
    "requests_kcount": ("input_cost_per_request", -3),
}

# Long-context tier keys per base key and threshold; the catalog has no others.
TIER_KEYS = {
    ("input_cost_per_token", 128000): "input_cost_per_token_above_128k_tokens",
    ("output_cost_per_token", 128000): "output_cost_per_token_above_128k_tokens",
    ("input_cost_per_token", 200000): "input_cost_per_token_above_200k_tokens",
    ("output_cost_per_token", 200000): "output_cost_per_token_above_200k_tokens",
    ("cache_read_input_token_cost", 200000): "cache_read_input_token_cost_above_200k_tokens",
    ("cache_creation_input_token_cost", 200000): "cache_creation_input_token_cost_above_200k_tokens",
}

# Dated price changes after the as-of date, printed so that someone regenerates after them.
SCHEDULED = []

EXACT = decimal.Context(prec=200, traps=[decimal.Inexact, decimal.Rounded, decimal.InvalidOperation])


def rate_key_names():
    """The LiteLLM field names in RateKey.java: the Java enum is the single list of rate keys."""
    with open(RATE_KEY_JAVA, encoding="utf-8") as f:
        names = re.findall(r'^\s*[A-Z0-9_]+\("([a-z0-9_]+)"\)', f.read(), re.MULTILINE)
    if not names:
        sys.exit("no rate keys found in " + RATE_KEY_JAVA)
    return frozenset(names)


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f, parse_float=decimal.Decimal, parse_int=decimal.Decimal)


def text(d):
    """Plain decimal text with no exponent and no trailing zeros: 3E-6 -> 0.000003."""
    d = d.normalize(EXACT)
    s = format(d, "f")
    return "0" if d.is_zero() else s


def scaled(value, power):
    return value.scaleb(power, EXACT)


def is_number(v):
    return isinstance(v, decimal.Decimal)


def as_int(v):
    if is_number(v) and v == v.to_integral_value() and v > 0:
        return int(v)
    return None


# ---------------------------------------------------------------- LiteLLM


def litellm_prefix(provider):
    if provider.startswith("vertex_ai"):
        return "vertex_ai"
    return LITELLM_PROVIDER_PREFIX.get(provider, provider)


def read_litellm(data, keep, stats):
    """LiteLLM entries keyed `<provider>/<model>`, plus bare-name aliases."""
    providers = set()
    for key, spec in data.items():
        provider = spec.get("litellm_provider")
        if key != "sample_spec" and isinstance(provider, str):
            providers.add(provider)
            providers.add(litellm_prefix(provider))

    entries = {}
    explicit = {}
    aliases = {}
    for key, spec in data.items():
        if key == "sample_spec" or not isinstance(spec, dict):
            continue
        provider = spec.get("litellm_provider")
        if not isinstance(provider, str):
            stats["litellm entries without litellm_provider (skipped)"] += 1
            continue
        prefix = litellm_prefix(provider)
        first, _, rest = key.partition("/")
        is_explicit = bool(rest) and first in providers
        if is_explicit:
            canonical = litellm_prefix(first) + "/" + rest
        else:
            canonical = prefix + "/" + key
            aliases[key] = canonical

        rates = {}
        for field, value in spec.items():
            if field in keep:
                if value is None:
                    continue
                if not is_number(value) or value < 0:
                    sys.exit(f"litellm {key}: {field} is not a non-negative number: {value!r}")
                rates[field] = value
            elif "cost" in field:
                stats["litellm dropped field " + field] += 1
        entry = {"rates": rates, "source": "litellm", "source_date": SOURCES["litellm"]["date"]}
        for limit in ("max_input_tokens", "max_output_tokens"):
            n = as_int(spec.get(limit))
            if n is not None:
                entry[limit] = n
        if isinstance(spec.get("mode"), str):
            entry["mode"] = spec["mode"]

        if canonical in entries:
            # A bare key and an explicitly prefixed key name the same model: merge them, the
            # explicit key's fields winning, so neither entry's rates are lost.
            stats["litellm bare/prefixed key collisions merged"] += 1
            older, newer = (entries[canonical], entry) if is_explicit else (entry, entries[canonical])
            merged = dict(older)
            merged.update({k: v for k, v in newer.items() if k != "rates"})
            merged["rates"] = {**older["rates"], **newer["rates"]}
            entry = merged
            is_explicit = is_explicit or explicit[canonical]
        entries[canonical] = entry
        explicit[canonical] = is_explicit
    return entries, aliases


# ---------------------------------------------------------------- genai-prices


def genai_model_names(provider_id, model_id):
    """The model part of the catalog key for a genai-prices model id (docs/pricing.md)."""
    if provider_id == "fireworks":
        # Fireworks ids are short names; the API (and LiteLLM) use the account path that the
        # model's `equals` match rule spells out.
        return "accounts/fireworks/models/" + model_id
    if provider_id == "aws" and model_id.startswith("regional."):
        # `regional.` is not a Bedrock id: genai-prices uses it for the price that applies to
        # the in-region id and to the us./eu./apac./au./jp. inference profiles.
        return model_id[len("regional."):]
    return model_id


def pick_conditional(model, as_of, notes, stats):
    """One ModelPrice from a list of ConditionalPrice, as in effect on the as-of date."""
    prices = model["prices"]
    if isinstance(prices, dict):
        return prices
    chosen = prices[0]["prices"]
    time_of_day = []
    for conditional in prices:
        constraint = conditional.get("constraint")
        if constraint is None:
            continue
        if "start_date" in constraint:
            if constraint["start_date"] <= as_of:
                chosen = conditional["prices"]
            else:
                SCHEDULED.append(model["id"] + " on " + constraint["start_date"])
                notes.append(
                    "scheduled price change on "
                    + constraint["start_date"]
                    + " not applied (catalog is as of "
                    + as_of
                    + "): "
                    + describe(conditional["prices"])
                )
                stats["genai scheduled price changes not yet in effect"] += 1
        else:
            time_of_day.append(conditional)
    for conditional in time_of_day:
        # Time-of-day discounts: bill the highest price that is in effect at some hour, so an
        # off-peak default never under-bills peak-hour traffic. Only a variant that is at least
        # as high on every field replaces the default.
        variant = conditional["prices"]
        window = conditional["constraint"]["start_time"] + "-" + conditional["constraint"]["end_time"]
        if dominates(variant, chosen):
            notes.append(
                "time-of-day pricing: the "
                + window
                + " price is used (the highest); off-peak default was "
                + describe(chosen)
            )
            chosen = variant
        else:
            notes.append("time-of-day variant " + window + " ignored: " + describe(variant))
        stats["genai time-of-day variants resolved"] += 1
    return chosen


def dominates(a, b):
    if set(a) != set(b):
        return False
    return all(is_number(a[k]) and is_number(b[k]) and a[k] >= b[k] for k in a)


def describe(prices):
    return ", ".join(k + "=" + (text(v) if is_number(v) else "tiered") for k, v in sorted(prices.items()))


def genai_rates(prices, keep, notes, stats):
    rates = {}
    for field, value in prices.items():
        if field not in GENAI_FIELDS:
            stats["genai dropped field " + field] += 1
            continue
        key, power = GENAI_FIELDS[field]
        if key not in keep:
            stats["genai dropped field " + field] += 1
            continue
        if is_number(value):
            base = value
            tiers = []
        else:
            base = value["base"]
            tiers = value["tiers"]
        if base < 0:
            sys.exit(f"genai-prices: negative {field}")
        rates[key] = scaled(base, power)
        for tier in tiers:
            start = int(tier["start"])
            tier_key = TIER_KEYS.get((key, start))
            if tier_key is not None and tier_key in keep:
                rates[tier_key] = scaled(tier["price"], power)
                stats["genai tiers mapped to *_above_%dk keys" % (start // 1000)] += 1
            else:
                notes.append(
                    "%s tier from %d tokens (%s per Mtok) has no catalog key; base rate used"
                    % (field, start, text(tier["price"]))
                )
                stats["genai tiers not representable (base rate kept)"] += 1
    return rates


def read_genai(data, keep, as_of, stats):
    entries = {}
    aliases = {}
    for provider in data:
        prefixes = GENAI_PROVIDERS.get(provider["id"])
        if prefixes is None:
            stats["genai skipped provider " + provider["id"] + " (models)"] += len(provider["models"])
            continue
        for model in provider["models"]:
            notes = []
            prices = pick_conditional(model, as_of, notes, stats)
            rates = genai_rates(prices, keep, notes, stats)
            name = genai_model_names(provider["id"], model["id"])
            targets = prefixes
            if provider["id"] == "google" and name.startswith("claude-"):
                # Claude is sold through Vertex, not through the Gemini API.
                targets = ["vertex_ai"]
            for prefix in targets:
                entry = {
                    "rates": rates,
                    "source": "genai-prices",
                    "source_date": SOURCES["genai-prices"]["date"],
                    "notes": list(notes),
                }
                n = as_int(model.get("context_window"))
                if n is not None:
                    entry["max_input_tokens"] = n
                key = prefix + "/" + name
                if key in entries:
                    stats["genai duplicate keys (first kept)"] += 1
                    continue
                entries[key] = entry
            bare_prefix = GENAI_BARE_ALIAS_PREFIX.get(provider["id"])
            if bare_prefix is not None and bare_prefix in targets:
                aliases.setdefault(name, bare_prefix + "/" + name)
    return entries, aliases


# ---------------------------------------------------------------- merge and write


def merge(litellm, genai, stats):
    """genai-prices is newer: its rates win for the dimensions it prices; LiteLLM fills the rest."""
    out = {key: dict(entry) for key, entry in litellm.items()}
    for key, g in genai.items():
        old = out.get(key)
        if old is None:
            out[key] = g
            stats["entries from genai-prices only"] += 1
            continue
        stats["entries in both (genai-prices rates win)"] += 1
        # Key by key: genai-prices often leaves out what LiteLLM has (long-context tiers,
        # reasoning, audio, 1-hour cache writes), and a missing tier is an omission, not a
        # statement that the price is flat; dropping LiteLLM's would under-bill.
        rates = {**old["rates"], **g["rates"]}
        kept = sorted(k for k in rates if k not in g["rates"])
        notes = list(g["notes"])
        if kept:
            notes.append("kept from litellm " + SOURCES["litellm"]["date"] + ": " + ", ".join(kept))
        merged = dict(old)
        merged.update({"rates": rates, "source": "genai-prices", "source_date": g["source_date"], "notes": notes})
        if "max_input_tokens" not in old and "max_input_tokens" in g:
            merged["max_input_tokens"] = g["max_input_tokens"]
        out[key] = merged
    return out


def render(entries, aliases, as_of):
    body = {}
    for key in sorted(entries):
        e = entries[key]
        r = {"rates": {k: text(v) for k, v in sorted(e["rates"].items())}}
        for field in ("max_input_tokens", "max_output_tokens", "mode", "source", "source_date"):
            if field in e:
                r[field] = e[field]
        if e.get("notes"):
            r["notes"] = e["notes"]
        body[key] = r
    live_aliases = {a: t for a, t in sorted(aliases.items()) if t in entries and a not in entries}
    return {
        "format": 1,
        "generated": as_of,
        "sources": SOURCES,
        "aliases": live_aliases,
        "entries": body,
    }


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--litellm", default=DEFAULT_LITELLM)
    parser.add_argument("--genai", default=DEFAULT_GENAI)
    parser.add_argument("--out", default=DEFAULT_OUT)
    args = parser.parse_args(argv)

    keep = rate_key_names()
    # The catalog is "as of" its newest source, not of the day the script ran: that keeps the
    # output reproducible and picks the dated genai-prices variants that applied on that day.
    as_of = max(s["date"] for s in SOURCES.values())
    stats = collections.Counter()

    litellm_entries, litellm_aliases = read_litellm(load(args.litellm), keep, stats)
    genai_entries, genai_aliases = read_genai(load(args.genai), keep, as_of, stats)
    entries = merge(litellm_entries, genai_entries, stats)
    aliases = dict(genai_aliases)
    aliases.update(litellm_aliases)  # LiteLLM's own bare keys define what a bare name means.

    document = render(entries, aliases, as_of)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w", encoding="utf-8", newline="\n") as f:
        json.dump(document, f, indent=1, sort_keys=True, ensure_ascii=False)
        f.write("\n")

    per_provider = collections.Counter(key.split("/", 1)[0] for key in entries)
    print("wrote %d entries and %d aliases to %s" % (len(entries), len(document["aliases"]), args.out))
    print("\nentries per provider:")
    for provider, count in sorted(per_provider.items(), key=lambda t: (-t[1], t[0])):
        print("  %-28s %5d" % (provider, count))
    print("\nsummary:")
    for what, count in sorted(stats.items()):
        print("  %-70s %5d" % (what, count))
    for change in sorted(set(SCHEDULED)):
        print("WARNING: scheduled genai-prices change not in this catalog: " + change)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
