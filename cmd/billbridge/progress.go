package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/billbridge/billbridge"
)

// progressBar draws done/failed, rate and ETA on a terminal. It is nil (and
// its methods do nothing) when the output is not a terminal, so scripts see
// nothing but errors.
type progressBar struct {
	w     io.Writer
	total int
	start time.Time

	mu   sync.Mutex
	last time.Time
	p    billbridge.Progress
}

func newProgressBar(w io.Writer, total int) *progressBar {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return &progressBar{w: w, total: total, start: time.Now()}
}

func (b *progressBar) update(p billbridge.Progress) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.p = p
	if time.Since(b.last) < 100*time.Millisecond && p.Done < b.total {
		return
	}
	b.last = time.Now()
	b.draw()
}

func (b *progressBar) draw() {
	const width = 30
	p := b.p
	frac := 0.0
	if b.total > 0 {
		frac = float64(p.Done) / float64(b.total)
	}
	filled := int(frac * width)
	elapsed := time.Since(b.start).Seconds()
	rate := float64(p.Done) / max(elapsed, 1e-9)
	eta := "--"
	if rate > 0 && p.Done < b.total {
		eta = (time.Duration(float64(b.total-p.Done)/rate) * time.Second).Round(time.Second).String()
	}
	fmt.Fprintf(b.w, "\r[%s%s] %d/%d  failed %d  %.0f/s  ETA %s ",
		strings.Repeat("#", filled), strings.Repeat(" ", width-filled), p.Done, b.total, p.Failed, rate, eta)
}

func (b *progressBar) finish() {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.draw()
	fmt.Fprintln(b.w)
}
