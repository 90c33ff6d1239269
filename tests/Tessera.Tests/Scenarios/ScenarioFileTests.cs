using System.Text.Json.Nodes;
using Tessera.Tests.Cli;

namespace Tessera.Tests.Scenarios;

/// <summary>A run is a file: typos are refused where they are, and --print-scenario writes a file that repeats the run.</summary>
public sealed class ScenarioFileTests
{
    private const string Models = "models:\n  - model: resnet18\n  - model: gpt2-small\n    sequence: 32\n";

    private static CliRunner.Outcome Run(params string[] args) => CliRunner.Run(["run", .. args]);

    [Theory]
    [InlineData("hardware: scar-3x3-het\npartiton: fused\n" + Models, "2:1: unknown key 'partiton' in a scenario (did you mean 'partition'?)")]
    [InlineData("hardware: scar-3x3-het\nmodels:\n  - model: resnet18\n    bach: 4\n", "4:5: unknown key 'bach' in a model entry (did you mean 'batch'?)")]
    [InlineData("hardware: scar-3x3-het\nmodels:\n  - model: gpt2-small\n    phase: 7\n", "4:12: phase '7'; expected prefill or decode")]
    [InlineData("hardware: scar-3x3-het\nschedule:\n  scheduler: ga\n  populaton: 4\n" + Models, "4:3: unknown key 'populaton' in schedule (did you mean 'population'?)")]
    [InlineData("hardware: scar-3x3-het\nschedule:\n  shceduler: ga\n" + Models, "3:3: unknown key 'shceduler' in schedule (did you mean 'scheduler'?)")]
    [InlineData("hardware: scar-3x3-het\nschedule:\n  scheduler: exact\n  population: 4\n" + Models, "4:3: option 'population' does not apply to scheduler exact")]
    [InlineData("hardware: scar-3x3-het\nminibatch: 2\n" + Models, "2:12: minibatch applies to pipelined and system partitions only, and this run is lbl")]
    [InlineData("hardware: scar-3x3-het\nschedule:\n  objective: edp\n" + Models, "3:14: objective 'edp' does not apply to scheduler greedy")]
    [InlineData("hardware: scar-3x3-het\nschedule:\n  cost_model: loopnset\n" + Models, "3:15: unknown cost model 'loopnset' (did you mean 'loopnest'?)")]
    public void A_typo_or_a_setting_that_does_not_apply_exits_2_naming_its_line(string yaml, string expected)
    {
        var file = CliRunner.TempFile(yaml);
        var r = Run(file, "--json");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains($"{Path.GetFileName(file)}:{expected}", r.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", r.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData()]
    [InlineData("--scheduler", "ga", "--population", "4", "--generations", "1", "--seed", "3", "--objective", "latency")]
    [InlineData("--scheduler", "scar", "--n-splits", "1", "--top-k", "1", "--objective", "energy*latency^2")]
    [InlineData("--partition", "pipelined", "--minibatch", "2", "--no-contention")]
    [InlineData("--partition", "system", "--tp", "2", "--minibatch", "2")]
    [InlineData("--partition", "fused", "--tile", "OY, all; D, 4", "--cost-model", "roofline")]
    public void Running_the_printed_scenario_repeats_the_run(params string[] flags)
    {
        var scenario = CliRunner.TempFile("name: round-trip\nhardware: scar-2x2-het\n" + Models);
        var printed = Run([scenario, .. flags, "--print-scenario"]);
        Assert.True(printed.ExitCode == 0, printed.Error);
        var file = CliRunner.TempFile(printed.Out);
        var direct = Run([scenario, .. flags, "--json"]);
        var replayed = Run(file, "--json");
        Assert.True(direct.ExitCode == 0, direct.Error);
        Assert.True(replayed.ExitCode == 0, replayed.Error);
        Assert.Equal(WithoutTimes(direct.Out), WithoutTimes(replayed.Out));
        // The printed file says everything: reprinting it gives the same file.
        Assert.Equal(printed.Out, Run(file, "--print-scenario").Out);
    }

    [Fact]
    public void Minibatch_size_batch_means_one_mini_batch_per_model_and_zero_is_refused()
    {
        var scenario = CliRunner.TempFile("name: sizes\nhardware: scar-2x2-het\nmodels:\n  - model: resnet18\n    batch: 4\n");
        var whole = Run(scenario, "--partition", "pipelined", "--minibatch-size", "batch", "--print-scenario");
        Assert.True(whole.ExitCode == 0, whole.Error);
        Assert.Contains("minibatch_size: 4", whole.Out, StringComparison.Ordinal);
        var two = Run(scenario, "--partition", "pipelined", "--minibatch-size", "2", "--print-scenario");
        Assert.Contains("minibatch_size: 2", two.Out, StringComparison.Ordinal);
        var zero = Run(scenario, "--minibatch-size", "0");
        Assert.Equal(2, zero.ExitCode);
        Assert.Contains("--minibatch-size is '0'; expected a whole number ≥ 1 of samples or batch", zero.Error, StringComparison.Ordinal);
    }

    /// <summary>
    /// The JSON without its manifest (another command line) and wall-clock fields (the only ones that differ between two identical runs). CP-SAT stops at a
    /// wall-time limit, so exact runs repeat only when the solver proves optimality within it; they are not listed.
    /// </summary>
    private static string WithoutTimes(string json)
    {
        var node = JsonNode.Parse(json)!.AsObject();
        node.Remove("manifest");
        if (node["search"] is JsonObject search) search.Remove("wallSeconds");
        return node.ToJsonString();
    }
}
