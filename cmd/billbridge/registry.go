package main

import (
	"context"
	"fmt"
	"iter"
	"os"
	"slices"
	"strings"

	"github.com/billbridge/billbridge"
	"github.com/billbridge/billbridge/pkg/option"
)

// The registry is the CLI's one list of what it can do: per provider
// (registry_tight.go, registry_chargeover.go, registry_meteroid.go) its
// resources and, per resource, its verbs, each with the facade method behind
// it. Dispatch, usage text, pair names and the errors that list pairs come
// from it; TestRegistryMatchesReadme and TestRegistryMatchesSpecsTable check
// README.md's table and specs/cliverbs.json against it.

// providerDef is one provider of the registry.
type providerDef struct {
	name string
	// siteURL turns --site NAME into the base URL (ChargeOver has one host
	// per account); nil: the provider takes no --site.
	siteURL func(site string) (string, error)
	// needsHost: the provider has no documented default URL, so a command
	// without --fake needs --site, --base-url or hostEnv.
	needsHost bool
	hostEnv   string
	// fake starts an embedded fake holding seeds (entities the lines refer
	// to; nil for none) and returns its ClientOptions: base URL,
	// credentials, no client rate limit.
	fake      func(seeds []string) ([]option.Option, func(), error)
	resources []*resourceDef
}

// resourceDef is one resource of a provider and the verbs it supports.
type resourceDef struct {
	name string
	// line is the shape of a push line (the Go type it decodes into) and
	// key its natural key, for the README's table and the usage text.
	line, key string
	verbs     []*verbDef
}

// verbDef is one verb of a provider/resource pair. Exactly one of job,
// read and each is set, by the kind of verb.
type verbDef struct {
	name string // push, sync, list, get, delete, archive, unarchive, send, void, pay
	// method is the facade method the verb calls.
	method string
	// ops are the spec operations (operationId) this verb is the CLI's
	// command for; each operation names at most one verb
	// (specs/cliverbs.json holds the same table).
	ops []string
	// job builds a push or sync job.
	job func(f *pushFlags) (pushJob, error)
	// read is list's or get's pair.
	read *readPair
	// each runs a verb over ids (delete, archive, send).
	each eachFunc
	// flags are the flags of this pair's verb over ids beyond those all
	// such verbs share (download's --dir); each gets their values.
	flags []verbFlag
	// paths: each's successes carry in Value the path of the file they
	// wrote, printed as "path" in the id's line.
	paths bool
}

// eachFunc sends one request per id through a facade's batch method; values
// holds the verb's flags (verbDef.flags), given or defaulted and checked.
type eachFunc func(ctx context.Context, opts []option.Option, ids iter.Seq[string], values verbValues) (iter.Seq[billbridge.Result[string]], func() (int64, int64), error)

// verbValues are the values of a verb's flags, by name.
type verbValues map[string]string

// verbFlag is a flag of a verb over ids that only some pairs take, declared
// in the registry with the verb: the verb's command offers it (its -h and
// the overview list it) when any pair of the verb has it, and a pair
// without it refuses it. check runs on its value, the default included,
// once the pair is known and before any request (nil: any value).
type verbFlag struct {
	// arg is the value's name in usage texts (DIR); usage may hold line
	// breaks, each before 60 columns.
	name, arg, def, usage string
	check                 func(value string) error
}

// verbFlags are the flags the pairs of verb declare, each once, in registry
// order.
func verbFlags(verb string) []verbFlag {
	var out []verbFlag
	for _, v := range pairsOf(verb) {
		for _, f := range v.flags {
			if !slices.ContainsFunc(out, func(o verbFlag) bool { return o.name == f.name }) {
				out = append(out, f)
			}
		}
	}
	return out
}

// verbFlagSynopsis is " [--dir DIR]" for the verb's flags, for usage lines.
func verbFlagSynopsis(verb string) string {
	var b strings.Builder
	for _, f := range verbFlags(verb) {
		fmt.Fprintf(&b, " [--%s %s]", f.name, f.arg)
	}
	return b.String()
}

// verbOrder is the order of the verbs in the usage text and the README.
var verbOrder = []string{"push", "sync", "replace", "list", "get", "delete", "archive", "unarchive", "cancel", "send", "void", "pay", "download"}

// providers is the registry, in the order of the usage text.
var providers = []*providerDef{tightProvider, chargeoverProvider, meteroidProvider}

func findProvider(name string) *providerDef {
	for _, p := range providers {
		if p.name == name {
			return p
		}
	}
	return nil
}

// lookup returns the verb of a provider/resource pair, or a usage error
// naming the pairs that have it.
func lookup(verb, provider, resource string) (*providerDef, *verbDef, error) {
	if p := findProvider(provider); p != nil {
		for _, r := range p.resources {
			if r.name != resource {
				continue
			}
			for _, v := range r.verbs {
				if v.name == verb {
					return p, v, nil
				}
			}
		}
	}
	return nil, nil, usagef("unknown provider/resource %q for %s; pairs: %s", provider+" "+resource, verb, pairNames(verb))
}

// pairNames lists the "provider resource" pairs of a verb.
func pairNames(verb string) string {
	return strings.Join(pairs(verb), ", ")
}

func pairs(verb string) []string {
	var out []string
	for pair := range pairsOf(verb) {
		out = append(out, pair)
	}
	return out
}

// pairsOf yields the "<provider> <resource>" pairs that have verb, each
// with its definition of the verb, in registry order.
func pairsOf(verb string) iter.Seq2[string, *verbDef] {
	return func(yield func(string, *verbDef) bool) {
		for _, p := range providers {
			for _, r := range p.resources {
				for _, v := range r.verbs {
					if v.name == verb && !yield(p.name+" "+r.name, v) {
						return
					}
				}
			}
		}
	}
}

// verbsOf lists a resource's verbs in verbOrder.
func verbsOf(r *resourceDef) []string {
	var out []string
	for _, name := range verbOrder {
		if slices.ContainsFunc(r.verbs, func(v *verbDef) bool { return v.name == name }) {
			out = append(out, name)
		}
	}
	return out
}

// hostFor resolves --site and checks that a provider without a default URL
// has one: the base URL to use ("" for the provider's default or the
// environment's).
func (p *providerDef) hostFor(site, baseURL string, fake bool) (string, error) {
	if site != "" {
		if p.siteURL == nil {
			return "", usagef("--site: %s takes no site name (give --base-url URL)", p.name)
		}
		if baseURL != "" {
			return "", usagef("give --site or --base-url, not both")
		}
		u, err := p.siteURL(site)
		if err != nil {
			return "", usagef("--site: %v", err)
		}
		baseURL = u
	}
	if p.needsHost && baseURL == "" && !fake && os.Getenv(p.hostEnv) == "" {
		return "", usagef("%s has one host per account: give --site NAME or --base-url URL (or set %s)", p.name, p.hostEnv)
	}
	return baseURL, nil
}

// fakeFirst puts the fake's options before the flags' (so that an explicit
// --rate-limit still wins over the fake's "none"), leaving out any base URL
// of the flags: --fake talks to the fake only.
func fakeFirst(fakeOpts []option.Option, f pushFlags) []option.Option {
	f.baseURL = ""
	return append(slices.Clip(fakeOpts), f.options()...)
}

// usageText is the overview "billbridge --help" prints; the pairs of each
// verb come from the registry.
func usageText() string {
	var b strings.Builder
	fmt.Fprintf(&b, `usage:
  billbridge push <provider> <resource> [flags] <file|->
      pairs: %s
      --timeout D             deadline of the whole push (Go duration, e.g. 10m; 0: none);
                              items not sent by then end as not sent
      --attempt-timeout D     bound of each HTTP attempt (0: the client's default, 60s)
      --allow-unknown-fields  drop fields the provider's schema does not know instead of
                              refusing the line (default: refuse, naming line and field)
      --results FILE          journal one JSON result per input line (fsynced as it goes)
      --resume                continue the push FILE records: skip final lines, read back
                              those in doubt, send the rest
      --force                 replace an earlier run's results FILE
      --mode create|upsert    a keyed create that finds other data under its key: a conflict
                              (create, push's default) or an update (upsert)
      --plan                  print what would be created, updated, left unchanged or refused,
                              one JSON line per input line; send nothing but lookups
  billbridge sync <provider> <resource> [--key FIELD] [--plan] [flags] <file|->
      pairs: %s
      push's flags and journal, lines in the create shape, upsert by natural key: chargeover
      external_key, meteroid alias, tight the field --key names (required: --key email)
  billbridge replace <provider> <resource> [flags] <file|->
      pairs: %s
      push's flags and journal, lines in the full-replacement shape (PUT) with the entity's id
  billbridge list <provider> <resource> [--filter field=value|field~=value ...] [--page-size N] [flags]
      pairs: %s
      one JSON object per entity on stdout (JSON Lines, the spec's response shape)
  billbridge get <provider> <resource> <id> [flags]
      pairs: %s
`, pairNames("push"), pairNames("sync"), pairNames("replace"), pairNames("list"), pairNames("get"))
	for _, verb := range eachVerbs {
		fmt.Fprintf(&b, "  billbridge %s <provider> <resource> <id>... [--from FILE|-]%s [flags]\n      pairs: %s\n", verb, verbFlagSynopsis(verb), pairNames(verb))
		for _, f := range verbFlags(verb) {
			usage := strings.ReplaceAll(f.usage, "\n", "\n"+strings.Repeat(" ", 30))
			fmt.Fprintf(&b, "      --%-22s%s (default %q)\n", f.name+" "+f.arg, usage, f.def)
		}
	}
	b.WriteString(`      one JSON line per id: {"id":…,"ok":…,"status":…,"error":…} ("path": the file a
      download wrote); ids also one per line from --from FILE (or "-", stdin)
  billbridge fake <provider> [--addr 127.0.0.1:0] [--latency D] [--jitter D] [--error-rate P]
                             [--after-acting-rate P] [--fault KIND=RATE ...]
                             [--rate-limit R] [--retry-after S] [--seed N]
      --error-rate P          share of requests answered 500/502/503/504 before acting
      --after-acting-rate P   share whose answer is lost after the fake acted (spread over
                              drop-after, truncated-json, 500-after): exercises read-back
      --fault KIND=RATE       share of requests that get fault KIND (repeatable; all rates
                              together at most 1); "billbridge fake -h" lists the kinds
      --webhook-url U         send a signed webhook for every change of the fake's state to U
                              (retried until a 2xx); --webhook-secret S or $<PROVIDER>_WEBHOOK_SECRET,
                              --webhook-duplicate-rate P sends a share of them twice
  billbridge webhooks listen <provider> --secret S [--addr 127.0.0.1:0] [--forward URL]
      takes deliveries on any path, verifies them with the provider's scheme, prints each
      verified event once as a JSON line; refusals on stderr; --secret defaults to
      $<PROVIDER>_WEBHOOK_SECRET; --forward posts each verified delivery on, as received
  billbridge demo
Run "billbridge <command> -h" for the flags of a command.
`)
	return b.String()
}

// eachVerbs are the verbs over ids.
var eachVerbs = []string{"delete", "archive", "unarchive", "cancel", "send", "void", "pay", "download"}

// readmeRows are the rows of README.md's table of CLI verbs.
func readmeRows() [][]string {
	var rows [][]string
	for _, p := range providers {
		for _, r := range p.resources {
			rows = append(rows, []string{p.name, r.name, strings.Join(verbsOf(r), ", ")})
		}
	}
	return rows
}

// specsTable is the table of specs/cliverbs.json: by provider, the command
// of each operation the CLI runs.
func specsTable() map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, p := range providers {
		out[p.name] = map[string]string{}
		for _, r := range p.resources {
			for _, v := range r.verbs {
				for _, op := range v.ops {
					out[p.name][op] = v.name + " " + p.name + " " + r.name
				}
			}
		}
	}
	return out
}
