using Tessera.Tests.Cli;

namespace Tessera.Tests.Ecosystem;

public sealed class EcosystemCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"tessera-eco-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void Small_suite_returns_0_and_json_parses_and_a_second_run_reads_the_cache()
    {
        var suite = CliRunner.TempFile("suite:\n  - gpt2-small:decode\n");
        var cache = Path.Combine(_dir, "profiles.db");
        var first = CliRunner.Run("ecosystem", suite, "--cache", cache, "--max-pool", "3", "--json");
        Assert.True(first.ExitCode == 0, first.Error);
        var json = first.Json;
        Assert.True(json.GetProperty("profilesEvaluated").GetInt32() > 0);
        Assert.NotEmpty(json.GetProperty("pool").GetProperty("designs").EnumerateArray());
        Assert.Equal(3, json.GetProperty("ratios").GetArrayLength());
        Assert.Equal(1, json.GetProperty("simulated").GetArrayLength());
        // Every application's package is floorplanned; allLegal agrees with the per-package flags.
        var floorplans = json.GetProperty("floorplans").EnumerateArray().ToList();
        Assert.Single(floorplans);
        Assert.Equal(floorplans.All(f => f.GetProperty("legal").GetBoolean()), json.GetProperty("allLegal").GetBoolean());
        Assert.All(floorplans, f => Assert.Equal(f.GetProperty("legal").GetBoolean(), f.GetProperty("violations").GetArrayLength() == 0));
        // The package simulated is the package floorplanned.
        var simulated = json.GetProperty("simulated")[0];
        Assert.Equal(floorplans[0].GetProperty("dies").GetInt32(), simulated.GetProperty("chiplets").GetInt32());
        Assert.Equal(floorplans[0].GetProperty("memories").GetInt32(), simulated.GetProperty("memories").GetInt32());
        // By default the objective charges dies and memory; NRE and packaging are fleet figures beside it.
        Assert.Equal("diesAndMemory", json.GetProperty("costBasis").GetString());
        var package = json.GetProperty("packages")[0];
        var cost = package.GetProperty("cost");
        Assert.Equal(cost.GetProperty("diesUsd").GetDouble() + cost.GetProperty("memoryUsd").GetDouble(), package.GetProperty("costUsd").GetDouble(), 9);
        Assert.Equal(4, json.GetProperty("fleets").GetArrayLength());
        var drawings = Path.Combine(_dir, "floorplans");
        var second = CliRunner.Run("ecosystem", suite, "--cache", cache, "--max-pool", "3", "--json", "--no-simulate", "--floorplans", drawings);
        Assert.Equal(0, second.ExitCode);
        // One drawing and one floorplan per application, the JSON with every placed block.
        Assert.StartsWith("<svg", File.ReadAllText(Path.Combine(drawings, "gpt2-small-decode.svg")));
        using (var plan = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(drawings, "gpt2-small-decode.json"))))
            Assert.NotEmpty(plan.RootElement.GetProperty("blocks").EnumerateArray());
        Assert.Equal(0, second.Json.GetProperty("profilesEvaluated").GetInt32());
        // Deterministic given the seed.
        Assert.Equal(json.GetProperty("pool").GetProperty("objective").GetDouble(), second.Json.GetProperty("pool").GetProperty("objective").GetDouble());
        // The suite file's cost profile, overridden on the command line; the all-in flag charges the unit cost and NRE.
        var mozart = CliRunner.TempFile("suite:\n  - gpt2-small:decode\ncost_profile: mozart\n");
        var third = CliRunner.Run("ecosystem", mozart, "--cache", cache, "--max-pool", "2", "--json", "--no-simulate", "--all-in-cost");
        Assert.Equal(0, third.ExitCode);
        Assert.Equal("mozart", third.Json.GetProperty("costProfile").GetString());
        var allIn = third.Json.GetProperty("packages")[0];
        Assert.Equal(allIn.GetProperty("cost").GetProperty("totalUsd").GetDouble(), allIn.GetProperty("costUsd").GetDouble(), 9);
        var fourth = CliRunner.Run("ecosystem", mozart, "--cost-profile", "actuary", "--cache", cache, "--max-pool", "2", "--json", "--no-simulate");
        Assert.Equal("actuary", fourth.Json.GetProperty("costProfile").GetString());
    }

    [Fact]
    public void An_unknown_cost_profile_or_suite_key_exits_2_naming_the_choices()
    {
        var cache = Path.Combine(_dir, "p.db");
        var flag = CliRunner.Run("ecosystem", "--suite", "resnet18", "--cost-profile", "catch", "--cache", cache);
        Assert.Equal(2, flag.ExitCode);
        Assert.Contains("actuary, mozart", flag.Error);
        var file = CliRunner.TempFile("suite:\n  - resnet18\ncost_profile: mozzart\n");
        var inFile = CliRunner.Run("ecosystem", file, "--cache", cache);
        Assert.Equal(2, inFile.ExitCode);
        Assert.Contains($"{Path.GetFileName(file)}:3:", inFile.Error);
        Assert.Contains("did you mean 'mozart'", inFile.Error);
        var key = CliRunner.Run("ecosystem", CliRunner.TempFile("suite:\n  - resnet18\ncost_profle: mozart\n"), "--cache", cache);
        Assert.Equal(2, key.ExitCode);
        Assert.Contains("did you mean 'cost_profile'", key.Error);
    }

    [Fact]
    public void A_suite_file_says_its_cost_model_and_objective_and_options_override_them()
    {
        var cache = Path.Combine(_dir, "p.db");
        var suite = CliRunner.TempFile("suite:\n  - resnet18\ncost_model: roofline\nobjective: energy\n");
        var fromFile = CliRunner.Run("ecosystem", suite, "--cache", cache, "--max-pool", "1", "--json", "--no-simulate");
        Assert.Equal(0, fromFile.ExitCode);
        Assert.Equal("energy", fromFile.Json.GetProperty("metric").GetString());
        Assert.StartsWith("roofline", fromFile.Json.GetProperty("manifest").GetProperty("costModel").GetString());
        var overridden = CliRunner.Run("ecosystem", suite, "--objective", "edp", "--cache", cache, "--max-pool", "1", "--json", "--no-simulate");
        Assert.Equal("edp", overridden.Json.GetProperty("metric").GetString());
        var typo = CliRunner.Run("ecosystem", CliRunner.TempFile("suite:\n  - resnet18\ncost_model: rofline\n"), "--cache", cache);
        Assert.Equal(2, typo.ExitCode);
        Assert.Contains(":3:", typo.Error);
        Assert.Contains("did you mean 'roofline'", typo.Error);
    }

    [Fact]
    public void A_bad_suite_file_exits_2_with_file_and_line()
    {
        var suite = CliRunner.TempFile("suite:\n  - resnet18\n  - no-such-net\n");
        var result = CliRunner.Run("ecosystem", suite, "--cache", Path.Combine(_dir, "p.db"));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"{Path.GetFileName(suite)}:3:", result.Error);
        Assert.StartsWith("error: ", result.Error);
        Assert.Equal(2, CliRunner.Run("ecosystem", "--metric", "speed", "--cache", Path.Combine(_dir, "p.db")).ExitCode);
    }
}
