package specgate

import (
	"bytes"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
)

// Base is the version of a spec the current one is compared with.
type Base struct {
	Ref  string // a commit or tag; empty: nothing to compare with
	Why  string // how the base was chosen, for the report
	Spec []byte // the spec at Ref; nil when the spec is absent there
}

// Repo runs git in a work tree.
type Repo struct {
	Dir        string // any directory inside the work tree
	MainBranch string // default "main"
	TagPattern string // release tags, default "v[0-9]*"
	// Fetch is called on a shallow clone to get the history the base needs;
	// the default runs `git fetch --unshallow --tags`.
	Fetch func() error
}

func (r *Repo) git(args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = r.Dir
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(out.String()), nil
}

func (r *Repo) ok(args ...string) bool { _, err := r.git(args...); return err == nil }

// relPath returns path relative to the top of the work tree, as git names it.
func (r *Repo) relPath(path string) (string, error) {
	top, err := r.git("rev-parse", "--show-toplevel")
	if err != nil {
		return "", err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	if t, err := filepath.EvalSymlinks(top); err == nil {
		top = t
	}
	if d, err := filepath.EvalSymlinks(filepath.Dir(abs)); err == nil {
		abs = filepath.Join(d, filepath.Base(abs))
	}
	rel, err := filepath.Rel(top, abs)
	if err != nil {
		return "", err
	}
	return filepath.ToSlash(rel), nil
}

func short(ref string) string {
	if len(ref) == 40 {
		return ref[:12]
	}
	return ref
}

// BaseFor chooses the base of the spec at path (a file in the work tree):
//
//  1. override (flag -base or SPECGATE_BASE), when given;
//  2. the newest release tag reachable from HEAD (git describe --match v[0-9]*);
//  3. otherwise the merge base of HEAD and main (origin/main or main);
//  4. when that merge base is HEAD itself (on main, or a branch without
//     commits of its own): HEAD if the work tree changes the spec, otherwise
//     the parent of the last commit that changed the spec, so that main
//     checks the last change of every spec. "Commit" follows main's first
//     parents: a merged branch is one change, judged as a whole against
//     main before the merge.
//
// No git repository, no main branch in common history, a spec that no commit
// touched or that was added in the first commit: no base (nothing to
// compare). A shallow clone is deepened with Fetch first, because a grafted
// history would make a base look absent.
func (r *Repo) BaseFor(path, override string) (*Base, error) {
	if !r.ok("rev-parse", "--is-inside-work-tree") {
		return &Base{Why: "not a git work tree: nothing to compare"}, nil
	}
	rel, err := r.relPath(path)
	if err != nil {
		return nil, err
	}
	if !r.ok("rev-parse", "--verify", "-q", "HEAD") {
		return &Base{Why: "no commits yet: nothing to compare"}, nil
	}
	if s, _ := r.git("rev-parse", "--is-shallow-repository"); s == "true" {
		fetch := r.Fetch
		if fetch == nil {
			fetch = func() error { _, err := r.git("fetch", "--quiet", "--unshallow", "--tags"); return err }
		}
		if err := fetch(); err != nil {
			return nil, fmt.Errorf("shallow clone and the full history could not be fetched (%v): clone with full history (fetch-depth: 0) or set SPECGATE_BASE", err)
		}
		if s, _ := r.git("rev-parse", "--is-shallow-repository"); s == "true" {
			return nil, fmt.Errorf("still a shallow clone after fetching: clone with full history or set SPECGATE_BASE")
		}
	}
	b, err := r.chooseBase(rel, override)
	if err != nil || b.Ref == "" {
		return b, err
	}
	if !r.ok("cat-file", "-e", b.Ref+":"+rel) {
		b.Why += "; the spec is absent there: new spec, nothing to compare"
		return b, nil
	}
	spec, err := r.rawShow(b.Ref + ":" + rel)
	if err != nil {
		return nil, fmt.Errorf("git show %s:%s: %w", b.Ref, rel, err)
	}
	b.Spec = spec
	return b, nil
}

func (r *Repo) rawShow(obj string) ([]byte, error) {
	cmd := exec.Command("git", "show", obj)
	cmd.Dir = r.Dir
	return cmd.Output()
}

func (r *Repo) chooseBase(rel, override string) (*Base, error) {
	if override != "" {
		ref, err := r.git("rev-parse", "--verify", "-q", override+"^{commit}")
		if err != nil {
			return nil, fmt.Errorf("base %q is not a commit here (in a shallow clone, fetch it first)", override)
		}
		return &Base{Ref: ref, Why: fmt.Sprintf("%s (given)", override)}, nil
	}
	pattern := r.TagPattern
	if pattern == "" {
		pattern = "v[0-9]*"
	}
	if tag, err := r.git("describe", "--tags", "--abbrev=0", "--match", pattern, "HEAD"); err == nil && tag != "" {
		return &Base{Ref: tag, Why: fmt.Sprintf("%s (the last release tag)", tag)}, nil
	}
	branch := r.MainBranch
	if branch == "" {
		branch = "main"
	}
	var mainRef string
	for _, c := range []string{"refs/remotes/origin/" + branch, "refs/heads/" + branch} {
		if r.ok("rev-parse", "--verify", "-q", c) {
			mainRef = c
			break
		}
	}
	if mainRef == "" {
		return nil, fmt.Errorf("no %s branch (origin/%s or %s) to find the merge base with: fetch it, or set SPECGATE_BASE", branch, branch, branch)
	}
	mb, err := r.git("merge-base", "HEAD", mainRef)
	if err != nil || mb == "" {
		return &Base{Why: fmt.Sprintf("no merge base of HEAD and %s: nothing to compare", mainRef)}, nil
	}
	head, _ := r.git("rev-parse", "HEAD")
	if mb != head {
		return &Base{Ref: mb, Why: fmt.Sprintf("%s (merge base of HEAD and %s)", short(mb), mainRef)}, nil
	}
	// On main (or level with it).
	if !r.ok("diff", "--quiet", "HEAD", "--", ":(top)"+rel) {
		return &Base{Ref: head, Why: fmt.Sprintf("%s (HEAD, on %s: the work tree changes the spec)", short(head), branch)}, nil
	}
	// Along the first parents: a branch merged into main is one change of
	// main (its merge commit), however many commits it made on the way
	// under one version bump.
	last, err := r.git("log", "-1", "--first-parent", "--format=%H", "HEAD", "--", ":(top)"+rel)
	if err != nil || last == "" {
		return &Base{Why: "no commit has the spec yet: new spec, nothing to compare"}, nil
	}
	parent, err := r.git("rev-parse", "--verify", "-q", last+"^1")
	if err != nil {
		return &Base{Why: fmt.Sprintf("the spec's last change %s is the first commit: nothing to compare", short(last))}, nil
	}
	return &Base{Ref: parent, Why: fmt.Sprintf("%s (on %s: the parent of %s, the last commit that changed the spec)", short(parent), branch, short(last))}, nil
}
