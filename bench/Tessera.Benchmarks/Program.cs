BenchmarkDotNet.Running.BenchmarkSwitcher.FromAssembly(typeof(Tessera.Benchmarks.WorkloadBenchmarks).Assembly).Run(args);
