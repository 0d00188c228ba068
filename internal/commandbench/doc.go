// Package commandbench measures the command path on the embedded store:
// a command's time as its aggregate's stream grows, and a bank file's
// import end to end, each with the executor's aggregate cache and without
// it (domain.NewCache(0, 0)) in the same run. It holds only benchmarks:
//
//	go test ./internal/commandbench/ -run '^$' -bench InstructPayments -benchtime 50x
//	go test ./internal/commandbench/ -run '^$' -bench ImportBankFile -benchtime 1x
package commandbench
