using Tessera.Tests.Cli;

namespace Tessera.Tests.Search;

/// <summary>`tessera run --scheduler scar` and SCAR's baselines, end to end in-process.</summary>
public class ScarCliTests
{
    private static string Scenario(params string[] models) => CliRunner.TempFile(
        "name: scar-cli\nhardware: scar-3x3-het\nmodels:\n" + string.Concat(models.Select(m => $"  - model: {m}\n    sequence: 32\n")));

    [Fact]
    public void Scar_search_prints_the_windows_beside_the_evaluation_of_their_sequence()
    {
        var r = CliRunner.Run("run", Scenario("gpt2-small", "bert-base"), "--search", "scar", "--n-splits", "1", "--objective", "energy*latency^2", "--json");
        Assert.True(r.ExitCode == 0, r.Error);
        var json = r.Json;
        Assert.Equal("scar", json.GetProperty("scheduler").GetString());
        var search = json.GetProperty("search");
        Assert.Equal("energy*latency^2", search.GetProperty("objective").GetString());
        var windows = search.GetProperty("windows").EnumerateArray().ToList();
        Assert.Equal(2, windows.Count);
        double latency = json.GetProperty("latencySeconds").GetDouble(), energy = json.GetProperty("energy").GetProperty("totalJ").GetDouble();
        Assert.Equal(energy * latency * latency, search.GetProperty("objectiveValue").GetDouble(), 9);
        // Windows are package-wide barriers: the scenario's latency and energy are their sums.
        Assert.Equal(windows.Sum(w => w.GetProperty("latencySeconds").GetDouble()), latency, 12);
        Assert.Equal(windows.Sum(w => w.GetProperty("energyJ").GetDouble()), energy, 12);
        Assert.All(windows, w => Assert.True(w.GetProperty("models").GetArrayLength() > 0));
        // Each model ends at its latency in the report, and no operator is placed after the scenario ends.
        foreach (var model in search.GetProperty("models").EnumerateArray())
        {
            var evaluated = json.GetProperty("models").EnumerateArray().Single(m => m.GetProperty("model").GetString() == model.GetProperty("model").GetString());
            Assert.Equal(model.GetProperty("latencySeconds").GetDouble(), evaluated.GetProperty("latencySeconds").GetDouble(), 15);
        }
        Assert.All(json.GetProperty("placements").EnumerateArray(), p => Assert.True(p.GetProperty("endSeconds").GetDouble() <= latency * (1 + 1e-12)));
    }

    [Fact]
    public void Scar_search_prints_a_table()
    {
        var r = CliRunner.Run("run", Scenario("gpt2-small", "bert-base"), "--search", "scar", "--n-splits", "0");
        Assert.True(r.ExitCode == 0, r.Error);
        Assert.Contains("segments → chiplet (dataflow)", r.Out);
        Assert.Contains("(WS)", r.Out);
        Assert.Contains("EDP", r.Out);
    }

    [Fact]
    public void Too_tight_a_latency_limit_is_infeasible_with_the_numbers()
    {
        var r = CliRunner.Run("run", Scenario("gpt2-small", "bert-base"), "--search", "scar", "--n-splits", "0", "--latency-limit", "bert-base=1e-6", "--json");
        Assert.Equal(1, r.ExitCode);
        Assert.False(r.Json.GetProperty("feasible").GetBoolean());
        var reason = r.Json.GetProperty("infeasible").GetString()!;
        Assert.StartsWith("latency limit of bert-base is 1E-06 s, but the best schedule found takes ", reason);
        Assert.Contains("misses by", reason);
        // Malformed limits and objectives are bad input.
        Assert.Equal(2, CliRunner.Run("run", Scenario("gpt2-small"), "--search", "scar", "--latency-limit", "gpt2-small").ExitCode);
        Assert.Equal(2, CliRunner.Run("run", Scenario("gpt2-small"), "--search", "scar", "--objective", "latency**2").ExitCode);
    }

    [Fact]
    public void Standalone_with_more_models_than_chiplets_is_infeasible_with_the_counts()
    {
        var r = CliRunner.Run("run", Scenario("gpt2-small", "bert-base"), "--baseline", "standalone", "--hardware", "scar-ws");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("the scenario has 2 models but scar-ws has 1 chiplet;", r.Out);
        var ok = CliRunner.Run("run", Scenario("gpt2-small", "bert-base"), "--baseline", "simba", "--hardware", "scar-3x3-ws", "--json");
        Assert.True(ok.ExitCode == 0, ok.Error);
        Assert.Contains("baseline simba-like", ok.Json.GetProperty("notes")[0].GetString());
    }

    [Theory]
    [InlineData("two schedulers", "--search", "scar", "--baseline", "standalone")]
    [InlineData("option 'population' does not apply to scheduler single-core", "--baseline", "single-core", "--partition", "fused", "--population", "3")]
    [InlineData("partition fused does not apply to scheduler single-core", "--baseline", "single-core", "--partition", "fused")]
    [InlineData("--trace", "--search", "scar", "--trace", "/tmp/scar-trace.json")]
    [InlineData("objective 'energy*latency' does not apply to scheduler exact", "--search", "exact", "--objective", "energy*latency")]
    [InlineData("objective 'edp' does not apply to scheduler greedy", "--objective", "edp")]
    [InlineData("objective 'ec' needs a package cost", "--search", "ga", "--objective", "ec")]
    [InlineData("minibatch applies to pipelined and system partitions only", "--minibatch", "2")]
    [InlineData("tp applies to tp and system partitions only", "--partition", "fused", "--tp", "4")]
    [InlineData("pp applies to system partitions only", "--partition", "tp", "--pp", "2")]
    [InlineData("dp applies to system partitions only", "--dp", "2")]
    [InlineData("tile applies to fused partitions only", "--tile", "OY, all")]
    [InlineData("did you mean 'scar'", "--scheduler", "scaar")]
    public void Settings_that_do_not_apply_are_refused_naming_the_option(string expected, params string[] flags)
    {
        var r = CliRunner.Run(["run", Scenario("gpt2-small"), .. flags]);
        Assert.Equal(2, r.ExitCode);
        Assert.Single(r.Error.Trim().Split('\n'), l => l.StartsWith("error:", StringComparison.Ordinal));
        if (expected != "two schedulers") Assert.Contains(expected, r.Error);
        Assert.DoesNotContain("   at ", r.Error);
    }
}
