package mqtt

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine is left running at
// the end: the queues' senders and the results' sender end at Close.
// Paho's own reconnection (a Close while the broker is away) ends on its
// own after its current wait, bounded by MaxReconnectInterval and the
// connect timeout (Paho's Disconnect does not wait for it): those two are
// left out.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreCurrent(),
		goleak.IgnoreAnyFunction("github.com/eclipse/paho%2emqtt%2egolang.(*client).reconnect"),
		goleak.IgnoreAnyFunction("github.com/eclipse/paho%2emqtt%2egolang.(*connectionStatus).Disconnecting"))
}
