module github.com/livecam/livecam

go 1.22

require (
	github.com/pkg/profile v1.7.0
	go.uber.org/goleak v1.3.0
	gocv.io/x/gocv v0.31.0
	golang.org/x/image v0.24.0
	golang.org/x/sys v0.30.0
	gonum.org/v1/gonum v0.15.1
)

require (
	github.com/felixge/fgprof v0.9.3 // indirect
	github.com/google/pprof v0.0.0-20211214055906-6f57359322fd // indirect
	golang.org/x/text v0.22.0 // indirect
)
