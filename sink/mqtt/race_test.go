//go:build race

package mqtt

// raceDetector is true under -race. Paho v1.5.0 has a data race of its
// own when it resends in-flight messages after a reconnect
// (eclipse-paho/paho.mqtt.golang#703, open): the tests that restart the
// broker run without the race detector only.
const raceDetector = true
