package provisioning_test

import (
	"errors"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
)

// strictError turns the result of a foundation SDK UnmarshalJSONStrict into a
// plain error: those methods return their error list as cog.BuildErrors even
// when it is empty, which as an error interface is never nil.
func strictError(err error) error {
	var list cog.BuildErrors
	if errors.As(err, &list) && len(list) == 0 {
		return nil
	}
	return err
}
