using Tessera.Tests.Cli;

namespace Tessera.Tests.Search;

/// <summary>`tessera run --search scar` and `--baseline`, end to end in-process.</summary>
public class ScarCliTests
{
    private static string Scenario(params string[] models) => CliRunner.TempFile(
        "name: scar-cli\nhardware: scar-3x3-het\nmodels:\n" + string.Concat(models.Select(m => $"  - model: {m}\n    sequence: 32\n")));

    [Fact]
    public void Scar_search_prints_windows_and_totals_as_json()
    {
        var r = CliRunner.Run("run", Scenario("gpt2-small", "bert-base"), "--search", "scar", "--n-splits", "1", "--objective", "energy*latency^2", "--json");
        Assert.True(r.ExitCode == 0, r.Error);
        var json = r.Json;
        Assert.Equal("energy*latency^2", json.GetProperty("objective").GetString());
        Assert.Equal(2, json.GetProperty("windows").GetArrayLength());
        double latency = json.GetProperty("latencySeconds").GetDouble(), energy = json.GetProperty("energyJ").GetDouble();
        Assert.Equal(energy * latency * latency, json.GetProperty("objectiveValue").GetDouble(), 9);
        Assert.All(json.GetProperty("windows").EnumerateArray(), w => Assert.True(w.GetProperty("models").GetArrayLength() > 0));
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
    public void Too_tight_a_latency_limit_exits_2_with_the_numbers()
    {
        var r = CliRunner.Run("run", Scenario("gpt2-small", "bert-base"), "--search", "scar", "--n-splits", "0", "--latency-limit", "bert-base=1e-6");
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("error: latency limit of bert-base is 1E-06 s, but the best schedule found takes ", r.Error);
        Assert.Contains("misses by", r.Error);
        Assert.DoesNotContain("   at ", r.Error);
        Assert.Equal(2, CliRunner.Run("run", Scenario("gpt2-small"), "--search", "scar", "--latency-limit", "gpt2-small").ExitCode);
        Assert.Equal(2, CliRunner.Run("run", Scenario("gpt2-small"), "--search", "scar", "--objective", "latency**2").ExitCode);
    }

    [Fact]
    public void Standalone_with_more_models_than_chiplets_exits_2_with_the_counts()
    {
        var r = CliRunner.Run("run", Scenario("gpt2-small", "bert-base"), "--baseline", "standalone", "--hardware", "scar-ws");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("the scenario has 2 models but scar-ws has 1 chiplet;", r.Error);
        var ok = CliRunner.Run("run", Scenario("gpt2-small", "bert-base"), "--baseline", "simba", "--hardware", "scar-3x3-ws", "--json");
        Assert.True(ok.ExitCode == 0, ok.Error);
        Assert.Contains("baseline simba-like", ok.Json.GetProperty("notes")[0].GetString());
    }

    [Fact]
    public void Conflicting_runs_are_input_errors()
    {
        var scenario = Scenario("gpt2-small");
        var both = CliRunner.Run("run", scenario, "--search", "scar", "--baseline", "standalone");
        Assert.Equal(2, both.ExitCode);
        Assert.Contains("two runs", both.Error);
        Assert.Equal(2, CliRunner.Run("run", scenario, "--search", "ga", "--baseline", "simba", "--hardware", "scar-3x3-ws").ExitCode);
        var trace = CliRunner.Run("run", scenario, "--search", "scar", "--trace", Path.Combine(Path.GetTempPath(), "scar-trace.json"));
        Assert.Equal(2, trace.ExitCode);
        Assert.Contains("--trace", trace.Error);
        var expression = CliRunner.Run("run", scenario, "--search", "ga", "--objective", "energy*latency");
        Assert.Equal(2, expression.ExitCode);
        Assert.Contains("expressions need --search scar", expression.Error);
    }
}
