using Tessera.Tests.Cli;

namespace Tessera.Tests.Scheduling;

/// <summary>`tessera run --partition system` spreads a model over a system preset's packages.</summary>
public class SystemPartitionCliTests
{
    private static System.Text.Json.JsonElement Run(params string[] flags)
    {
        var r = CliRunner.Run(["run", "--hardware", "board-4", "--workload", "gpt2-small", "--partition", "system", "--json", .. flags]);
        Assert.True(r.ExitCode == 0, r.Error);
        Assert.Equal("system", r.Json.GetProperty("partition").GetString());
        return r.Json;
    }

    [Fact]
    public void Replicas_get_their_own_instances_and_packages_and_too_many_stages_are_infeasible()
    {
        var pipeline = Run();
        var replicas = Run("--pp", "2", "--dp", "2");
        Assert.Equal(["gpt2-small"], pipeline.GetProperty("models").EnumerateArray().Select(m => m.GetProperty("model").GetString()));
        Assert.Equal(["gpt2-small@r0", "gpt2-small@r1"], replicas.GetProperty("models").EnumerateArray().Select(m => m.GetProperty("model").GetString()));
        // Every package hosts compute: four stages of one replica, or two stages of each of two replicas.
        static int Packages(System.Text.Json.JsonElement run) => run.GetProperty("placements").EnumerateArray()
            .Select(p => p.GetProperty("chiplet").GetString()!.Split('/')[0]).Distinct().Count();
        Assert.Equal(4, Packages(pipeline));
        Assert.Equal(4, Packages(replicas));
        var r = CliRunner.Run("run", "--hardware", "board-4", "--workload", "gpt2-small", "--partition", "system", "--pp", "8");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("8 pipeline stages × 1 replicas need 8 packages; 'board-4' has 4", r.Out);
    }
}
