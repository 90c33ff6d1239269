using System.Text.Json.Nodes;
using Tessera.Tests.Cli;

namespace Tessera.Tests.Experiments;

/// <summary>An experiment's independent cells on several threads: the same result as one after another.</summary>
public sealed class ExperimentJobsTests
{
    private static string WithoutManifest(CliRunner.Outcome r)
    {
        Assert.True(r.ExitCode == 0, r.Error);
        var document = JsonNode.Parse(r.Out)!.AsObject();
        document.Remove("manifest");
        return document.ToJsonString();
    }

    [Fact]
    public void Scar_datacenter_cells_on_three_jobs_equal_them_on_one()
    {
        string[] run = ["experiment", "scar-datacenter", "--reduced", "--json", "--progress", "none"];
        var serial = WithoutManifest(CliRunner.Run([.. run, "--jobs", "1"]));
        Assert.Equal(serial, WithoutManifest(CliRunner.Run([.. run, "--jobs", "3"])));
        Assert.Contains("\"latencySeconds\"", serial, StringComparison.Ordinal);
    }
}
