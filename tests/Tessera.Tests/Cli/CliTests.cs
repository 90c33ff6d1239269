namespace Tessera.Tests.Cli;

public class CliTests
{
    [Fact]
    public void Run_without_arguments_evaluates_the_default_scenario()
    {
        var result = CliRunner.Run("run");
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("scar-3x3-het", result.Out);
        Assert.Contains("resnet50", result.Out);
        Assert.Contains("gpt2-small", result.Out);
    }

    [Fact]
    public void Run_json_is_consistent()
    {
        var result = CliRunner.Run("run", "--json");
        Assert.True(result.ExitCode == 0, result.Error);
        var json = result.Json;
        double latency = json.GetProperty("latencySeconds").GetDouble();
        var energy = json.GetProperty("energy");
        double parts = new[] { "computeJ", "onChipMemoryJ", "offChipMemoryJ", "interconnectJ", "staticJ" }
            .Sum(p => energy.GetProperty(p).GetDouble());
        Assert.True(latency > 0);
        Assert.Equal(energy.GetProperty("totalJ").GetDouble(), parts, parts * 1e-12);
        Assert.Equal(parts * latency, json.GetProperty("edp").GetDouble(), parts * latency * 1e-12);
        var models = json.GetProperty("models").EnumerateArray().ToList();
        Assert.Equal(2, models.Count);
        // The scenario's latency is its slowest model's.
        Assert.Equal(models.Max(m => m.GetProperty("latencySeconds").GetDouble()), latency, latency * 1e-12);
    }

    [Fact]
    public void Run_takes_a_scenario_file_with_zoo_and_onnx_models()
    {
        var onnx = TestData.Shared("data", "onnx", "resnet18.onnx");
        var scenario = CliRunner.TempFile($"""
            name: mixed
            hardware: scar-3x3-os
            models:
              - model: resnet18
                batch: 2
              - model: {onnx}
              - model: gpt2-small
                phase: decode
                context: 256
            """);
        var result = CliRunner.Run("run", scenario, "--json");
        Assert.True(result.ExitCode == 0, result.Error);
        var models = result.Json.GetProperty("models").EnumerateArray().ToList();
        Assert.Equal(3, models.Count);
        long zooMacs = models[0].GetProperty("macs").GetInt64();
        long onnxMacs = models[1].GetProperty("macs").GetInt64();
        Assert.Equal(zooMacs, 2 * onnxMacs); // batch 2 of the same network
    }

    [Theory]
    [InlineData("hardware: scar-3x3-het\nmodels: [ {model: resnet18, batch: 0} ]", ":2:")]
    [InlineData("hardware: scar-3x3-het\nmodels:\n  - model: nosuchnet", "nosuchnet")]
    [InlineData("hardware: nosuchpreset\nmodels:\n  - model: resnet18", "nosuchpreset")]
    [InlineData("hardware: scar-3x3-het\nmodels: [ {model: resnet18", "malformed YAML")]
    [InlineData("models:\n  - model: resnet18", "hardware")]
    [InlineData("hardware: scar-3x3-ws\npartition: pipelined\nmodels:\n  - {model: resnet18, batch: 2, minibatch_size: 3}", "minibatch_size 3 exceeds the model's batch 2")]
    [InlineData("hardware: scar-3x3-ws\nmodels:\n  - {model: resnet18, batch: 2, minibatch_size: 1}", "minibatch_size applies to pipelined partitions only")]
    [InlineData("hardware: scar-3x3-ws\nmodels:\n  - {model: resnet18, minibatchsize: 1}", "did you mean 'minibatch_size'")]
    public void Bad_scenarios_exit_with_2_and_say_where(string yaml, string expected)
    {
        var path = CliRunner.TempFile(yaml);
        var result = CliRunner.Run("run", path);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, result.Error);
        Assert.DoesNotContain("   at ", result.Error); // no stack trace
    }

    [Fact]
    public void A_missing_scenario_file_is_reported()
    {
        var result = CliRunner.Run("run", "/nonexistent/scenario.yaml");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("/nonexistent/scenario.yaml", result.Error);
    }

    [Fact]
    public void Unknown_options_exit_with_2()
    {
        Assert.Equal(2, CliRunner.Run("run", "--no-such-option").ExitCode);
        Assert.Equal(2, CliRunner.Run("inspect", "resnet18", "--batch", "0").ExitCode);
    }

    [Fact]
    public void Inspect_reports_totals_that_match_between_zoo_and_onnx()
    {
        var zoo = CliRunner.Run("inspect", "resnet18", "--json");
        var onnx = CliRunner.Run("inspect", TestData.Shared("data", "onnx", "resnet18.onnx"), "--json");
        Assert.True(zoo.ExitCode == 0, zoo.Error);
        Assert.True(onnx.ExitCode == 0, onnx.Error);
        long macs = zoo.Json.GetProperty("model").GetProperty("macs").GetInt64();
        Assert.Equal(1_814_073_344, macs);
        Assert.Equal(macs, onnx.Json.GetProperty("model").GetProperty("macs").GetInt64());
        long perOperator = zoo.Json.GetProperty("operators").EnumerateArray().Sum(o => o.GetProperty("macs").GetInt64());
        Assert.Equal(macs, perOperator);
    }

    [Fact]
    public void Inspect_of_an_unknown_model_lists_the_zoo()
    {
        var result = CliRunner.Run("inspect", "resnet19");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("resnet18", result.Error);
    }

    [Fact]
    public void Models_lists_the_whole_zoo()
    {
        var result = CliRunner.Run("models", "--json");
        Assert.True(result.ExitCode == 0, result.Error);
        var names = result.Json.EnumerateArray().Select(e => e.GetProperty("name").GetString()).ToHashSet();
        foreach (var expected in new[] { "resnet18", "resnet50", "mobilenetv2", "googlenet", "unet", "bert-base", "bert-large",
                     "gpt2-small", "gpt2-medium", "gpt2-large", "gpt2-xl", "llama2-7b", "llama3.1-8b", "llama3.1-70b" })
            Assert.Contains(expected, names);
    }
}
