using System.Globalization;
using Tessera.Costs.Maestro;
using Tessera.Hardware.Maestro;
using Tessera.Interop.Maestro;
using Tessera.Technology;

namespace Tessera.Tests.Costs;

/// <summary>
/// Tessera's MAESTRO engine against the real MAESTRO's per-layer outputs (../shared/data/maestro: ResNet-50 at batch 1 and
/// 32, MobileNetV2, GPT-2 small and BERT-large linear layers, under kcp_ws and yxp_os, 256 PEs, NoC 256 elements/cycle).
/// </summary>
public class MaestroValidationTests
{
    private static readonly TechnologyLibrary Tech = TechnologyLibrary.LoadDefault();

    internal sealed record Row(string Model, string Dataflow, string Layer, int Stride, int R, long MacsTrue, long MacsMaestro,
        long Cycles, double EnergyMacUnits, IReadOnlyDictionary<string, string> Fields);

    internal static IReadOnlyList<Row> Reference()
    {
        var lines = File.ReadAllLines(TestData.Shared("data", "maestro", "results-pe256-bw256.csv"));
        var header = lines[0].Split(',');
        return [.. lines.Skip(1).Select(line =>
        {
            var f = header.Zip(line.Split(',')).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal);
            long L(string k) => long.Parse(f[k], CultureInfo.InvariantCulture);
            return new Row(f["model"], f["dataflow"], f["layer"], (int)L("stride"), (int)L("R"), L("macs_true"), L("macs_maestro"),
                L("runtime_cycles"), double.Parse(f["energy_mac_units"], CultureInfo.InvariantCulture), f);
        })];
    }

    /// <summary>The reference runs' hardware: MAESTRO's command-line defaults besides PEs and NoC bandwidth.</summary>
    internal static MaestroHardware ReferenceHardware => new(256, 256, Tech.Value("maestro.noc_latency"), Tech.Value("maestro.offchip_bandwidth"),
        (int)Tech.Value("maestro.simd_lanes"));

    internal static IEnumerable<(Row Reference, MaestroResult Result)> Compare(MaestroArithmetic arithmetic)
    {
        foreach (var group in Reference().GroupBy(r => (r.Model, r.Dataflow)))
        {
            var file = MaestroMappingFile.Load(TestData.Shared("data", "maestro", "mappings", $"{group.Key.Model}__{group.Key.Dataflow}.m"));
            var results = MaestroNetwork.Analyze(file, ReferenceHardware, arithmetic);
            Assert.Equal(group.Select(r => r.Layer), results.Select(r => r.Spec.Name));
            foreach (var (row, (_, result)) in group.Zip(results)) yield return (row, result);
        }
    }

    private static double Energy(MaestroResult r) =>
        r.EnergyMacUnits(Tech.Value("maestro.l1_energy_ratio"), Tech.Value("maestro.l2_energy_ratio"));

    [Fact]
    public void Upstream_arithmetic_reproduces_every_layer_of_MAESTRO_exactly()
    {
        var compared = Compare(MaestroArithmetic.Upstream).ToList();
        Assert.Equal(356, compared.Count);
        foreach (var (row, r) in compared)
        {
            var what = $"{row.Model} {row.Dataflow} {row.Layer}";
            Assert.True(row.Cycles == r.Cycles, $"{what}: cycles {r.Cycles} vs MAESTRO {row.Cycles}");
            Assert.True(row.MacsMaestro == r.Macs, $"{what}: MACs {r.Macs} vs MAESTRO {row.MacsMaestro}");
            // MAESTRO prints six significant digits.
            Assert.True(Math.Abs(Energy(r) / row.EnergyMacUnits - 1) < 1e-5, $"{what}: energy {Energy(r)} vs MAESTRO {row.EnergyMacUnits}");
            Assert.Equal(long.Parse(row.Fields["input_l2_read"], CultureInfo.InvariantCulture), r.Input.L2Reads);
            Assert.Equal(long.Parse(row.Fields["input_l2_write"], CultureInfo.InvariantCulture), r.Input.L2Writes);
            Assert.Equal(long.Parse(row.Fields["filter_l2_read"], CultureInfo.InvariantCulture), r.Weight.L2Reads);
            Assert.Equal(long.Parse(row.Fields["output_l2_write"], CultureInfo.InvariantCulture), r.Output.L2Writes);
            Assert.Equal(long.Parse(row.Fields["output_l2_read"], CultureInfo.InvariantCulture), r.Output.L2Reads);
            Assert.Equal(long.Parse(row.Fields["input_l1_write"], CultureInfo.InvariantCulture), r.Input.L1Writes);
            Assert.Equal(double.Parse(row.Fields["avg_utilized_pes"], CultureInfo.InvariantCulture), r.AveragePesInUse, 3);
        }
    }

    /// <summary>
    /// The corrected arithmetic counts every layer's true MACs. It equals MAESTRO on every stride-1 layer; on strided
    /// layers it takes the same cycles except where the window is narrower than the stride (1×1 stride-2 projections under
    /// yxp_os: MAESTRO steps tiles of compressed width in full-width coordinates and takes up to twice the cycles), and
    /// never more energy (MAESTRO counts outputs as if the stride were 1).
    /// </summary>
    [Fact]
    public void Corrected_arithmetic_counts_true_MACs_and_departs_from_MAESTRO_only_on_strided_layers()
    {
        var compared = Compare(MaestroArithmetic.Corrected).ToList();
        Assert.Equal(356, compared.Count);
        foreach (var (row, r) in compared)
        {
            var what = $"{row.Model} {row.Dataflow} {row.Layer}";
            Assert.True(row.MacsTrue == r.Macs, $"{what}: MACs {r.Macs}, true {row.MacsTrue}");
            double energy = Energy(r) / row.EnergyMacUnits - 1;
            if (row.Stride == 1)
            {
                Assert.True(row.Cycles == r.Cycles, $"{what}: cycles {r.Cycles} vs MAESTRO {row.Cycles}");
                Assert.True(Math.Abs(energy) < 1e-5, $"{what}: energy {energy:P4} off MAESTRO");
                continue;
            }
            bool narrowWindow = row.R < row.Stride && row.Dataflow == "shi";
            Assert.True(narrowWindow ? r.Cycles <= row.Cycles && r.Cycles >= row.Cycles / 2 : r.Cycles == row.Cycles,
                $"{what}: cycles {r.Cycles} vs MAESTRO {row.Cycles}");
            Assert.True(energy is < 1e-5 and > -0.65, $"{what}: energy {energy:P2} off MAESTRO");
        }
    }
}
