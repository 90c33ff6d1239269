using System.Text.Json.Nodes;

namespace Tessera.Tests.Cli;

/// <summary>Every result carries where it came from, and a result can be replayed from its file alone.</summary>
public sealed class ManifestTests
{
    private static string Scenario(string comment = "") => CliRunner.TempFile(
        $"name: manifest{comment}\nhardware: scar-2x2-het\nmodels:\n  - model: {TestData.Shared("data", "onnx", "2_conv.onnx")}\n");

    [Fact]
    public void A_run_records_its_inputs_with_hashes_that_follow_their_bytes()
    {
        var file = Scenario();
        var first = CliRunner.Run("run", file, "--json");
        Assert.True(first.ExitCode == 0, first.Error);
        var manifest = first.Json.GetProperty("manifest");
        Assert.Equal("tessera", manifest.GetProperty("tool").GetString());
        Assert.Equal(["tessera", "run", file, "--json"], manifest.GetProperty("commandLine").EnumerateArray().Select(a => a.GetString()));
        Assert.StartsWith("loopnest-", manifest.GetProperty("costModel").GetString(), StringComparison.Ordinal);
        Assert.Equal(64, manifest.GetProperty("technologySha256").GetString()!.Length);
        var inputs = manifest.GetProperty("inputs").EnumerateArray().ToDictionary(i => i.GetProperty("path").GetString()!, i => i.GetProperty("sha256").GetString()!);
        Assert.Contains(Path.GetFullPath(file), inputs.Keys);
        Assert.Contains(TestData.Shared("data", "onnx", "2_conv.onnx"), inputs.Keys);

        File.AppendAllText(file, "# an edit\n");
        var second = CliRunner.Run("run", file, "--json").Json.GetProperty("manifest").GetProperty("inputs").EnumerateArray()
            .ToDictionary(i => i.GetProperty("path").GetString()!, i => i.GetProperty("sha256").GetString()!);
        Assert.NotEqual(inputs[Path.GetFullPath(file)], second[Path.GetFullPath(file)]);
        Assert.Equal(inputs[TestData.Shared("data", "onnx", "2_conv.onnx")], second[TestData.Shared("data", "onnx", "2_conv.onnx")]);
    }

    [Fact]
    public void Replay_says_whether_every_number_matches_and_which_inputs_changed()
    {
        var file = Scenario();
        var result = CliRunner.TempFile(CliRunner.Run("run", file, "--scheduler", "ga", "--population", "4", "--generations", "1", "--json").Out, ".json");
        var same = CliRunner.Run("run", "--replay", result);
        Assert.True(same.ExitCode == 0, same.Out + same.Error);
        Assert.Contains("every number matches", same.Out, StringComparison.Ordinal);

        var edited = JsonNode.Parse(File.ReadAllText(result))!;
        edited["energy"]!["totalJ"] = edited["energy"]!["totalJ"]!.GetValue<double>() * 2;
        File.WriteAllText(result, edited.ToJsonString());
        File.AppendAllText(file, "# an edit\n");
        var differs = CliRunner.Run("run", "--replay", result);
        Assert.Equal(1, differs.ExitCode);
        Assert.Contains(".energy.totalJ", differs.Out, StringComparison.Ordinal);
        Assert.Contains($"input changed since the result: {Path.GetFullPath(file)}", differs.Out, StringComparison.Ordinal);

        Assert.Equal(2, CliRunner.Run("run", "--replay", CliRunner.TempFile("{\"latencySeconds\": 1}", ".json")).ExitCode);
    }
}
