package bench

import (
	"errors"
	"fmt"
	"os"
)

// scratch makes the fresh directory one benchmark run works in, under
// dir or, when dir is "", under the system's temporary directory ($TMPDIR,
// else /tmp): a run killed before its cleanup (SIGKILL, a crash) then leaves
// its stores where the system clears them, not in the checkout it was
// started from. remove deletes the directory, and joins to *errp any error
// doing so, so a run that could not clean up says so; defer it first, so it
// runs after the stores in the directory are closed.
func scratch(dir string) (tmp string, remove func(errp *error), err error) {
	tmp, err = os.MkdirTemp(dir, "drip-bench-")
	if err != nil {
		return "", nil, err
	}
	return tmp, func(errp *error) {
		if err := os.RemoveAll(tmp); err != nil {
			*errp = errors.Join(*errp, fmt.Errorf("removing the benchmark's scratch directory: %w", err))
		}
	}, nil
}
