using Tessera.Costs;
using Tessera.Diagnostics;
using Tessera.Hardware.Presets;
using Tessera.Studies;
using Tessera.Technology;
using Tessera.Tests.Cli;

namespace Tessera.Tests.Studies;

/// <summary>LLM serving on groups that span several packages: memory, price, decode step and KV transfer by hand.</summary>
public class ServingSystemsTests
{
    private static readonly TechnologyLibrary Technology = TechnologyLibrary.LoadDefault();

    // An 8-layer Llama-shaped model of 4.0 GB of bf16 weights; one GDDR7 module (2 GiB) per single-chiplet package, so it
    // takes four packages to hold it.
    private const string Study = """
        model: {name: tiny-llama, layers: 8, hidden: 4096, heads: 32, kv_heads: 8, ffn: 14336, vocab: 32000}
        bits: 16
        request_rate: 0.1
        prompt_tokens: 64
        output_tokens: 16
        batch: 4
        targets: {ttft: 30 s, tpot: 1 s}
        max_modules_per_chiplet: 1
        designs:
          small: {template: ws, width_scale: 1, height_scale: 1, buffer: 1}
        prefill: {designs: [small], counts: [1], memory: [GDDR7], packages: [1, 4]}
        decode: {designs: [small], counts: [1], memory: [GDDR7], packages: [1, 4]}
        homogeneous: {designs: [small], counts: [1], memory: [GDDR7], packages: [1, 4]}
        show: 8
        ucie_reach: mozart
        """;

    [Fact]
    public void A_group_over_packages_holds_a_share_per_package_streams_it_stage_by_stage_and_is_priced_package_by_package()
    {
        var config = LlmServingConfig.Load(CliRunner.TempFile(Study), Technology);
        var r = LlmServingStudy.Run(config, Technology, new StageSimulator(CostModels.Create("roofline")));
        var byLabel = r.Evaluations.ToDictionary(e => e.Label);
        var dram = Technology.Dram("GDDR7");

        // One package: one module cannot hold the weights, so it is not simulated.
        var one = byLabel["1×small+GDDR7"];
        Assert.False(one.MemoryFits);
        Assert.Null(one.DecodeStep);

        // Four packages: four identical parts of one chiplet and one module, each built as the one-package one; the design
        // and the package design pay their NRE once; four modules of capacity.
        var four = byLabel["1×small+GDDR7 ×4 packages"];
        Assert.Equal(4, four.Package.Parts.Length);
        Assert.All(four.Package.Parts, p => Assert.Equal((1, 1), (p.Groups.Single().Count, p.Groups.Single().MemoryModules)));
        Assert.Equal(4 * one.Package.UnitCostUsd + one.Package.NrePerUnitUsd, four.Package.CostUsd, 9);
        Assert.Equal(4 * dram.CapacityBytes, four.MemoryCapacityBytes);
        Assert.True(four.MemoryFits);

        // A decode step streams every stage's weights from its own module, one stage after the other: at least the weights
        // less the embedding table (a gather reads 4 rows of it) at one module's bandwidth, at most all of them.
        double weights = r.WeightBytes, embedding = 32000.0 * 4096 * 2;
        Assert.InRange(four.TpotSeconds, (weights - embedding) / dram.BandwidthBytesPerSecond, weights / dram.BandwidthBytesPerSecond);

        // Disaggregated over eight packages: the prompt's KV cache crosses the one board link between the last prefill and
        // the first decode package.
        var split = byLabel["P 1×small+GDDR7 ×4 packages / D 1×small+GDDR7 ×4 packages"];
        Assert.Equal(8, split.Package.Parts.Length);
        Assert.Equal(four.TpotSeconds, split.TpotSeconds);
        double kvBytes = (double)config.Batch * config.PromptTokens * r.KvBytesPerToken;
        double crossing = kvBytes / Technology.OffPackage(SystemPresets.BoardLink).BandwidthBytesPerSecond;
        Assert.InRange(split.KvTransfer!.LatencySeconds, crossing, 1.05 * crossing + 1e-6);
        Assert.Equal(split.Package.Parts.Sum(p => p.UnitCostUsd), split.Package.UnitCostUsd, 9);
        // Two package designs (prefill, decode) of one chiplet design: the product NRE twice, the design's once.
        var part = split.Package.Parts[0].Cost;
        Assert.Equal((part.Chiplets.Single().Nre.TotalUsd + 2 * part.ProductNreUsd) / part.Options.Volume, split.Package.NrePerUnitUsd, 9);
    }

    [Theory]
    [InlineData("packages: [1, 4]}", "packages: [0]}", "packages")]
    [InlineData("show: 8", "show: 8\nboard_link: nvlink-c3c", "did you mean 'nvlink-c2c'")]
    public void Bad_packages_and_board_links_are_refused_at_their_line(string from, string to, string expected)
    {
        var text = Study.Replace(from, to, StringComparison.Ordinal);
        var e = Assert.Throws<TesseraInputException>(() => LlmServingConfig.Load(CliRunner.TempFile(text), Technology));
        Assert.Contains(expected, e.Message);
        Assert.Matches(@":\d+:\d+", e.Message);
    }

    [Theory]
    [InlineData("llm-serving-70b.yaml")]
    [InlineData("llm-serving-405b.yaml")]
    public void The_multi_package_examples_load(string file)
    {
        var config = LlmServingConfig.Load(TestData.Repository("examples", "studies", file), Technology);
        Assert.Contains(config.Decode.Packages, p => p > 1);
        Assert.True(TransformerSizing.WeightBytes(config.Model, config.Bits) > 100e9);
    }
}
