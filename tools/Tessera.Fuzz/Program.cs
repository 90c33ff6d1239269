using Tessera.Fuzz;

// tessera fuzzing: dotnet run -c Release --project tools/Tessera.Fuzz -- --inputs 100000 --seed 1 [--timeout 20] [--case N] [--minutes M] [--show-accepted] [--show-errors]
var options = args.Select((a, i) => (a, i)).Where(p => p.a.StartsWith("--", StringComparison.Ordinal))
    .ToDictionary(p => p.a, p => p.i + 1 < args.Length ? args[p.i + 1] : "", StringComparer.Ordinal);
int Int(string key, int fallback) => options.TryGetValue(key, out var v) ? int.Parse(v, System.Globalization.CultureInfo.InvariantCulture) : fallback;
int inputs = Int("--inputs", 1000), seed = Int("--seed", 1), timeoutSeconds = Int("--timeout", 20), minutes = Int("--minutes", int.MaxValue / 60_000);
var work = Path.Combine(Path.GetTempPath(), $"tessera-fuzz-{seed}-{Environment.ProcessId}");
var targets = new Targets(FuzzPaths.Repository(), FuzzPaths.Shared(), work);
var results = new List<FuzzResult>();
var deadline = DateTime.UtcNow.AddMinutes(minutes);
IEnumerable<int> indices = options.TryGetValue("--case", out var single) ? [int.Parse(single, System.Globalization.CultureInfo.InvariantCulture)] : Enumerable.Range(0, inputs);
// Ctrl-C (SIGINT) ends the run after the input in progress, with the tallies printed as at the time limit.
bool interrupted = false;
Console.CancelKeyPress += (_, e) => { e.Cancel = true; interrupted = true; };
foreach (var index in indices)
{
    if (DateTime.UtcNow > deadline) { Console.Error.WriteLine($"stopped at the time limit after {results.Count} inputs"); break; }
    if (interrupted) { Console.Error.WriteLine($"interrupted after {results.Count} inputs"); break; }
    var c = targets.Generate(seed, index);
    var result = FuzzRunner.Run(c, TimeSpan.FromSeconds(timeoutSeconds));
    results.Add(result);
    if (result.Outcome is Outcome.Crash or Outcome.Hang)
        Console.WriteLine($"{result.Outcome} case {index} [{c.EntryPoint}] ({c.Mutation}): {result.Detail}\n  tessera {string.Join(' ', c.Args.Select(a => a.Contains(' ', StringComparison.Ordinal) || a.Length == 0 ? $"'{a}'" : a))}");
    else
    {
        if (options.ContainsKey("--show-accepted") && result.Outcome == Outcome.Accepted)
            Console.WriteLine($"Accepted case {index} [{c.EntryPoint}] ({c.Mutation}): tessera {string.Join(' ', c.Args)}");
        else
        {
            if (options.ContainsKey("--show-errors"))
                Console.WriteLine($"{result.Outcome} case {index} [{c.EntryPoint}] ({c.Mutation}): {result.Detail}");
            targets.Clean(c);
        }
    }
    if (results.Count % 1000 == 0) Console.Error.WriteLine($"{results.Count} inputs, {results.Count(r => r.Outcome == Outcome.Crash)} crashes, {results.Count(r => r.Outcome == Outcome.Hang)} hangs");
    // Each hang leaves a thread running; past a few the rest of the run would measure the machine, not Tessera.
    if (results.Count(r => r.Outcome == Outcome.Hang) >= 5) { Console.Error.WriteLine("stopped after 5 hangs"); break; }
}
Console.WriteLine($"seed {seed}, {results.Count} inputs, timeout {timeoutSeconds} s, {results.Sum(r => r.Elapsed.TotalSeconds):0} s in runs");
Console.WriteLine(FuzzRunner.Tally(results));
return results.Any(r => r.Outcome is Outcome.Crash or Outcome.Hang) ? 1 : 0;
