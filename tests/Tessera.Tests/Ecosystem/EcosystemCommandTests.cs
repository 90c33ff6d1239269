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
