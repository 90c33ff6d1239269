using System.Globalization;
using Tessera.Tests.Costs;

namespace Tessera.Tests.Cli;

/// <summary>`tessera map FILE.m`: MAESTRO's mapping files costed by the maestro models, and their bad inputs.</summary>
public class MaestroMapTests
{
    private static string Mapping(string name) => TestData.Shared("data", "maestro", "mappings", name);

    private const string GoodLayer = """
        Network tiny {
          Layer conv {
            Type: CONV
            Dimensions { K: 64, C: 64, R: 3, S: 3, Y: 10, X: 10 }
            Dataflow {
              SpatialMap(1,1) K;
              TemporalMap(64,64) C;
              TemporalMap(Sz(R),Sz(R)) R;
              TemporalMap(Sz(S),Sz(S)) S;
              TemporalMap(Sz(R),1) Y;
              TemporalMap(Sz(S),1) X;
              Cluster(64, P);
              SpatialMap(1,1) C;
            }
          }
        }
        """;

    [Theory]
    [InlineData("maestro-upstream", "macs_maestro")]
    [InlineData("maestro", "macs_true")]
    public void Json_gives_each_layers_cycles_MACs_and_energy_as_MAESTRO_prints_them(string costModel, string macsColumn)
    {
        var r = CliRunner.Run("map", Mapping("mobilenetv2_b1__shi.m"), "--cost-model", costModel, "--num-pes", "256", "--noc-bw", "256", "--json");
        Assert.Equal(0, r.ExitCode);
        var reference = MaestroValidationTests.Reference().Where(x => x.Model == "mobilenetv2_b1" && x.Dataflow == "shi").ToList();
        var layers = r.Json.GetProperty("layers").EnumerateArray().ToList();
        Assert.Equal(reference.Select(x => x.Layer), layers.Select(l => l.GetProperty("name").GetString()));
        foreach (var (row, layer) in reference.Zip(layers))
        {
            Assert.Equal(long.Parse(row.Fields[macsColumn], CultureInfo.InvariantCulture), layer.GetProperty("macs").GetInt64());
            if (costModel == "maestro" && row.Stride > 1) continue;
            Assert.Equal(row.Cycles, layer.GetProperty("cycles").GetInt64());
            Assert.Equal(row.EnergyMacUnits, layer.GetProperty("energyMacUnits").GetDouble(), row.EnergyMacUnits * 1e-5);
        }
        Assert.Equal(layers.Sum(l => l.GetProperty("cycles").GetInt64()), r.Json.GetProperty("totalCycles").GetInt64());
    }

    [Fact]
    public void A_MAESTRO_hardware_file_sets_the_PEs_bandwidth_and_latency()
    {
        var hw = CliRunner.TempFile("// MAESTRO hardware\nnum_pes: 256\nnoc_bw_cstr: 256\nNoC_NumHops: 1\noffchip_bw_cstr: 70000\n", ".m");
        var fromFile = CliRunner.Run("map", Mapping("gpt2s_seq128__nvdla.m"), "--hw", hw, "--json");
        var fromOptions = CliRunner.Run("map", Mapping("gpt2s_seq128__nvdla.m"), "--num-pes", "256", "--noc-bw", "256", "--noc-latency", "1", "--json");
        Assert.Equal(0, fromFile.ExitCode);
        Assert.Equal(fromOptions.Json.GetProperty("totalCycles").GetInt64(), fromFile.Json.GetProperty("totalCycles").GetInt64());
        // One cycle of NoC latency per level makes each step at least as slow as without.
        var noLatency = CliRunner.Run("map", Mapping("gpt2s_seq128__nvdla.m"), "--num-pes", "256", "--noc-bw", "256", "--json");
        Assert.True(fromFile.Json.GetProperty("totalCycles").GetInt64() > noLatency.Json.GetProperty("totalCycles").GetInt64());
    }

    [Fact]
    public void A_table_lists_every_layer_and_the_total()
    {
        var r = CliRunner.Run("map", Mapping("bertl_seq128__nvdla.m"), "--num-pes", "256", "--noc-bw", "64");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("ffn_down", r.Out, StringComparison.Ordinal);
        Assert.Contains("total", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Zoo_models_take_the_maestro_model_on_a_core()
    {
        var r = CliRunner.Run("map", "resnet18", "--core", "scar-ws", "--cost-model", "maestro", "--json");
        Assert.Equal(0, r.ExitCode);
        Assert.True(r.Json.GetProperty("totalCycles").GetDouble() > 0);
    }

    private static void AssertBadInput(CliRunner.Outcome r, params string[] fragments)
    {
        Assert.Equal(2, r.ExitCode);
        foreach (var f in fragments) Assert.Contains(f, r.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_size_of_an_unknown_dimension_names_the_file_line_layer_and_directive()
    {
        var file = CliRunner.TempFile(GoodLayer.Replace("TemporalMap(Sz(R),1) Y", "TemporalMap(Sz(Q),1) Y", StringComparison.Ordinal), ".m");
        AssertBadInput(CliRunner.Run("map", file, "--num-pes", "256", "--noc-bw", "256"), $"{file}:10:", "layer 'conv'", "Sz(Q)", "TemporalMap(Sz(Q),1) Y");
    }

    [Fact]
    public void Directives_that_leave_a_dimension_unmapped_are_refused()
    {
        var file = CliRunner.TempFile(GoodLayer.Replace("TemporalMap(64,64) C;", "", StringComparison.Ordinal)
            .Replace("SpatialMap(1,1) C;", "SpatialMap(1,1) Y;", StringComparison.Ordinal), ".m");
        AssertBadInput(CliRunner.Run("map", file, "--num-pes", "256", "--noc-bw", "256"), file, "layer 'conv'", "no directive maps dimension C");
    }

    [Fact]
    public void Cluster_sizes_that_do_not_divide_the_PEs_are_refused()
    {
        var file = CliRunner.TempFile(GoodLayer, ".m");
        AssertBadInput(CliRunner.Run("map", file, "--num-pes", "100", "--noc-bw", "256"), $"{file}:12:", "Cluster(64, P)", "100 PEs");
    }

    [Fact]
    public void Syntax_errors_name_the_line_and_suggest_the_keyword()
    {
        var file = CliRunner.TempFile(GoodLayer.Replace("TemporalMap(64,64) C", "TemporalMapp(64,64) C", StringComparison.Ordinal), ".m");
        AssertBadInput(CliRunner.Run("map", file, "--num-pes", "256", "--noc-bw", "256"), $"{file}:7:", "did you mean 'TemporalMap'");
    }

    [Fact]
    public void Missing_hardware_options_and_foreign_cost_models_are_refused()
    {
        AssertBadInput(CliRunner.Run("map", Mapping("gpt2s_seq128__nvdla.m"), "--noc-bw", "256"), "--num-pes");
        AssertBadInput(CliRunner.Run("map", Mapping("gpt2s_seq128__nvdla.m"), "--num-pes", "256", "--noc-bw", "256", "--cost-model", "loopnest"),
            "maestro or maestro-upstream");
        var hw = CliRunner.TempFile("num_pes: 256\nnoc_bw_cst: 64\n", ".m");
        AssertBadInput(CliRunner.Run("map", Mapping("gpt2s_seq128__nvdla.m"), "--hw", hw), $"{hw}:2", "did you mean 'noc_bw_cstr'");
    }
}
