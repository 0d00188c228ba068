package fund

// SumLots adds up lots, for tests.
var SumLots = sumLots
