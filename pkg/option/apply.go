package option

import "github.com/billbridge/billbridge/internal/config"

// The facades read options through hooks in the internal config package,
// so that the settings they fill never show in this package's API.
func init() {
	config.ApplyClientOption = func(o any, c *config.Client) {
		if o, ok := o.(Option); ok && o != nil {
			o.applyClient(c)
		}
	}
	config.ApplyRequestOption = func(o any, r *config.Request) {
		if o, ok := o.(RequestOption); ok && o != nil {
			o.applyRequest(r)
		}
	}
}
