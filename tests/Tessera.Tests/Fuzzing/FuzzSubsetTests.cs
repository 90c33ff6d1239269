using Tessera.Fuzz;
using TesseraCli = Tessera.Cli.TesseraCli;

namespace Tessera.Tests.Fuzzing;

/// <summary>
/// A seeded slice of the fuzzing run (tools/Tessera.Fuzz; docs/reliability.md): every entry point gets the special files
/// (FIFO, symlink to /dev/zero, symlink loop, directory) and then mutated YAML, ONNX, MAESTRO files and flag
/// combinations. None may crash or hang; each must end as a clean error, infeasible, or an accepted run.
/// </summary>
public sealed class FuzzSubsetTests
{
    private const int Inputs = 240;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public void A_seeded_subset_of_the_fuzzing_run_has_no_crash_and_no_hang()
    {
        var work = Path.Combine(Path.GetTempPath(), $"tessera-fuzz-test-{Guid.NewGuid():N}");
        var targets = new Targets(TestData.Repository(), TestData.Shared(), work);
        var failures = new List<string>();
        var results = new List<FuzzResult>();
        try
        {
            for (int i = 0; i < Inputs; i++)
            {
                var c = targets.Generate(seed: 1, i);
                var result = FuzzRunner.Run(c, Timeout);
                results.Add(result);
                if (result.Outcome is Outcome.Crash or Outcome.Hang)
                {
                    failures.Add($"{result.Outcome} case {i} [{c.EntryPoint}] ({c.Mutation}): {result.Detail}");
                    if (result.Outcome == Outcome.Hang) break; // its thread keeps running; stop before the rest measures that
                }
            }
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
        Assert.True(failures.Count == 0, string.Join('\n', failures) + "\n" + FuzzRunner.Tally(results));
        // The harness reaches every entry point, and the special files alone give each file entry point clean errors.
        Assert.Equal(targets.EntryPoints.Order(StringComparer.Ordinal), results.Select(r => r.Case.EntryPoint).Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_flags_come_from_the_command_tree_with_their_arity()
    {
        var commands = TesseraCli.Commands().ToDictionary(c => c.Command, c => c.Options.ToDictionary(o => o.Name, o => o.TakesValue));
        Assert.Contains("results list", commands.Keys);
        Assert.Contains("study", commands.Keys);
        var run = commands["run"];
        // Its own options with values, its switches without, the root's recursive options, never help.
        Assert.True(run["--hardware"]);
        Assert.True(run["--limit"]);
        Assert.False(run["--json"]);
        Assert.False(run["--csv"]);
        Assert.DoesNotContain("--help", run.Keys);
        Assert.True(TesseraCli.WritesPath("--trace"));
        Assert.False(TesseraCli.WritesPath("--hardware"));
    }
}
