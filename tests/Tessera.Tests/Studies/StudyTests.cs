using CsCheck;
using Tessera.Chiplets;
using Tessera.Costs;
using Tessera.Studies;
using Tessera.Technology;
using Tessera.Tests.Cli;
using Tessera.Workloads.Zoo;

namespace Tessera.Tests.Studies;

public class SpeculationTests
{
    [Fact]
    public void Expected_tokens_match_hand_values()
    {
        // (1 − 0.7⁹) / 0.3 = (1 − 0.040353607) / 0.3
        Assert.Equal(3.198821310, Speculation.ExpectedTokens(0.7, 8), 8);
        Assert.Equal(1.0, Speculation.ExpectedTokens(0, 8));
        Assert.Equal(9.0, Speculation.ExpectedTokens(1, 8));
        Assert.Equal(3.0, Speculation.ExpectedTokens(1, 2));
        Assert.Equal(1.75, Speculation.ExpectedTokens(0.5, 2), 12);
    }

    [Fact]
    public void Expected_tokens_are_monotone_and_bounded()
    {
        Gen.Select(Gen.Double[0, 1], Gen.Double[0, 1], Gen.Int[0, 16]).Sample((a, b, gamma) =>
        {
            var (lo, hi) = a <= b ? (a, b) : (b, a);
            var low = Speculation.ExpectedTokens(lo, gamma);
            var high = Speculation.ExpectedTokens(hi, gamma);
            Assert.InRange(low, 1 - 1e-12, gamma + 1 + 1e-9);
            Assert.True(high >= low - 1e-9, $"α {lo} → {low}, α {hi} → {high}");
            Assert.True(Speculation.ExpectedTokens(lo, gamma + 1) >= low - 1e-12);
        });
    }

    [Fact]
    public void Kv_cache_is_sized_by_kv_heads()
    {
        // Llama-3.1-8B: 2 (K and V) × 32 layers × 8 KV heads × 128 head width × 2 bytes (bf16) = 131 072 B per token.
        Assert.Equal(2L * 32 * 8 * 128 * 2, TransformerSizing.KvBytesPerToken(TransformerConfigs.Llama31With8B, 16));
        Assert.Equal(131_072L, TransformerSizing.KvBytesPerToken(TransformerConfigs.Llama31With8B, 16));
        // Sizing by the 32 query heads would be four times that.
        Assert.NotEqual(2L * 32 * 32 * 128 * 2, TransformerSizing.KvBytesPerToken(TransformerConfigs.Llama31With8B, 16));
    }
}

public class StudyRunTests
{
    private static readonly TechnologyLibrary Technology = TechnologyLibrary.LoadDefault();

    internal const string SmallServing = """
        model: gpt2-small
        bits: 16
        request_rate: 1
        prompt_tokens: 64
        output_tokens: 16
        batch: 1
        targets: {ttft: 1 s, tpot: 100 ms}
        max_modules_per_chiplet: 4
        designs:
          small: {template: ws, width_scale: 1, height_scale: 1, buffer: 1}
        prefill: {designs: [small], counts: [1], memory: [HBM3]}
        decode: {designs: [small], counts: [1, 2], memory: [LPDDR5, HBM3]}
        homogeneous: {designs: [small], counts: [1, 2], memory: [LPDDR5, HBM3]}
        show: 4
        """;

    internal const string SmallPerception = """
        cameras: 2
        backbone: resnet18
        head: {channels: 64, outputs: 45}
        fusion: {layers: 1, hidden: 128, heads: 4, ffn: 256, tokens_per_camera: 49}
        bits: 16
        frame_rate: 10
        deadline: 100 ms
        designs:
          ws: {template: ws, width_scale: 1, height_scale: 1, buffer: 1}
        cnn: {designs: [ws], counts: [1, 2], memory: [HBM3]}
        fusion_stage: {designs: [ws], counts: [1], memory: [HBM3]}
        homogeneous: {designs: [ws], counts: [1, 2], memory: [HBM3]}
        show: 4
        """;

    private static LlmServingConfig Serving() => LlmServingConfig.Load(CliRunner.TempFile(SmallServing), Technology);

    private static AvPerceptionConfig Perception() => AvPerceptionConfig.Load(CliRunner.TempFile(SmallPerception), Technology);

    /// <summary>gpt2-small verified after a tiny draft, every group of the small ws design, at α 0.7; the gammas and the groups' counts and memory vary.</summary>
    private static SpeculativeResult Speculative(string gammas, string draft, string target, int referenceGamma, string baselines) =>
        SpeculativeDecodingStudy.Run(SpeculativeConfig.Load(CliRunner.TempFile(SpeculativeText(gammas, draft, target, referenceGamma, baselines)), Technology), Technology);

    internal static string SpeculativeText(string gammas, string draft, string target, int referenceGamma, string baselines) => $$"""
            target: gpt2-small
            draft: {name: tiny, layers: 2, hidden: 256, heads: 4, kv_heads: 4, ffn: 512, vocab: 50257}
            bits: 16
            batch: 1
            context: 128
            alphas: [0.7]
            gammas: [{{gammas}}]
            designs:
              small: {template: ws, width_scale: 1, height_scale: 1, buffer: 1}
            heterogeneous:
              draft: {designs: [small], {{draft}}}
              target: {designs: [small], {{target}}}
            reference: {alpha: 0.7, gamma: {{referenceGamma}}}
            baselines: {designs: [small], {{baselines}}}
            """;

    [Fact]
    public void Every_reported_serving_package_meets_its_targets()
    {
        var config = Serving();
        var r = LlmServingStudy.Run(config, Technology);
        Assert.NotNull(r.Cheapest);
        var reported = r.Meeting.Take(config.Show).Append(r.Cheapest).Append(r.Bespoke)
            .Concat(r.Baselines.Select(b => b.Nearest)).OfType<ServingEvaluation>().ToList();
        Assert.NotEmpty(reported);
        foreach (var e in reported)
        {
            Assert.True(e.MeetsTargets, e.Label);
            Assert.True(e.TtftSeconds <= config.Targets.TtftSeconds, e.Label);
            Assert.True(e.TpotSeconds <= config.Targets.TpotSeconds, e.Label);
            Assert.True(e.MemoryFits, e.Label);
            Assert.True(e.CapacityTokensPerSecond >= config.RequestRate * config.OutputTokens, e.Label);
        }
        // Only packages the floorplanner accepts are evaluated; the rest are reported with their violation.
        Assert.All(r.Evaluations, e => Assert.True(e.Package.Legal, e.Label));
        Assert.All(r.Rejected, x => Assert.False(x.Package.Legal, x.Label));
        Assert.All(r.Rejected, x => Assert.False(string.IsNullOrWhiteSpace(x.Violation), x.Label));
        // Disaggregated packages pay a simulated KV-cache transfer, homogeneous ones none.
        Assert.All(r.Evaluations.Where(e => e.Disaggregated && e.MemoryFits), e => Assert.True(e.KvTransfer!.LatencySeconds > 0));
    }

    [Fact]
    public void Tighter_serving_targets_never_give_a_cheaper_package()
    {
        var config = Serving();
        var simulator = new StageSimulator(new LoopNestCostModel());
        var first = LlmServingStudy.Run(config, Technology, simulator: simulator);
        var ttfts = first.Evaluations.Where(e => e.MemoryFits).Select(e => e.TtftSeconds).Distinct().OrderDescending().ToList();
        var tpots = first.Evaluations.Where(e => e.MemoryFits).Select(e => e.TpotSeconds).Distinct().OrderDescending().ToList();
        // Targets at every achieved value (tightest last), so each step can drop packages.
        var targets = ttfts.Zip(tpots, (a, b) => new ServingTargets(a, b)).ToList();
        double previous = 0;
        foreach (var t in targets)
        {
            var r = LlmServingStudy.Run(config with { Targets = t }, Technology, simulator: simulator);
            var cost = r.Cheapest?.Package.CostUsd ?? double.PositiveInfinity;
            Assert.True(cost >= previous, $"targets {t}: ${cost} after ${previous}");
            previous = cost;
        }
        Assert.Equal(double.PositiveInfinity, LlmServingStudy.Run(config with { Targets = new ServingTargets(1e-9, 1e-9) }, Technology, simulator: simulator)
            .Cheapest?.Package.CostUsd ?? double.PositiveInfinity);
    }

    [Fact]
    public void Every_reported_perception_package_meets_the_deadline_and_tighter_deadlines_cost_more()
    {
        var config = Perception();
        var simulator = new StageSimulator(new LoopNestCostModel());
        var r = AvPerceptionStudy.Run(config, Technology, simulator: simulator);
        Assert.NotNull(r.Bespoke);
        var reported = r.Meeting.Take(config.Show).Append(r.Bespoke)
            .Concat(r.Baselines.Select(b => b.Nearest)).OfType<PerceptionEvaluation>().ToList();
        Assert.All(r.Evaluations, e => Assert.True(e.Package.Legal, e.Label));
        Assert.All(r.Rejected, x => Assert.False(x.Package.Legal, x.Label));
        foreach (var e in reported)
        {
            Assert.True(e.LatencySeconds <= config.DeadlineSeconds, e.Label);
            Assert.True(e.SlackSeconds >= 0, e.Label);
            Assert.True(e.BottleneckSeconds <= config.PeriodSeconds, e.Label);
        }
        double previous = 0;
        foreach (var deadline in r.Evaluations.Select(e => e.LatencySeconds).Distinct().OrderDescending())
        {
            var tighter = AvPerceptionStudy.Run(config with { DeadlineSeconds = deadline }, Technology, simulator: simulator);
            var ec = tighter.Bespoke?.EnergyCost ?? double.PositiveInfinity;
            Assert.True(ec >= previous, $"deadline {deadline}: E·C {ec} after {previous}");
            previous = ec;
            Assert.All(tighter.Meeting, e => Assert.True(e.LatencySeconds <= deadline));
        }
    }

    [Fact]
    public void Speculative_study_simulates_every_gamma_and_reports_expected_tokens()
    {
        // HBM3, not LPDDR5: the small die with an LPDDR5 PHY peaks above the power-density limit and is rejected.
        var r = Speculative(gammas: "2, 4", draft: "counts: [1], memory: [HBM3]", target: "counts: [1], memory: [HBM3]", referenceGamma: 4,
            baselines: "counts: [1, 2], memory: [HBM3]");
        Assert.NotNull(r.Bespoke);
        Assert.All(r.Packages, x => Assert.Equal(2, x.Points.Length));
        // A homogeneous package runs γ draft steps, then the verification, on the same chiplets.
        var shared = r.Packages.First(x => !x.Split);
        var p = shared.At(0.7, 4);
        Assert.Equal(Speculation.ExpectedTokens(0.7, 4), p.ExpectedTokens, 12);
        var verify = shared.Verifications.Single(v => v.Gamma == 4).Verify;
        Assert.Equal(4 * shared.DraftStep.LatencySeconds + verify.LatencySeconds, p.StepSeconds, 12);
        Assert.Equal(p.ExpectedTokens / p.StepSeconds, p.TokensPerSecond, 9);
        // A split package overlaps them, with the simulated hand-off of the corrected token as the rollback delay.
        var split = r.Packages.Single(x => x.Split);
        var q = split.At(0.7, 4);
        var splitVerify = split.Verifications.Single(v => v.Gamma == 4).Verify;
        Assert.True(split.Rollback.LatencySeconds > 0);
        Assert.Equal(Speculation.OverlappedCycle(0.7, 4, split.DraftStep.LatencySeconds, splitVerify.LatencySeconds, split.Rollback.LatencySeconds).Seconds,
            q.StepSeconds, 12);
        Assert.Single(r.Baselines);
        Assert.All(r.Packages, x => Assert.True(x.Package.Legal, x.Label));
    }

    [Fact]
    public void Studies_report_only_legal_packages_and_reject_the_others_with_their_violation()
    {
        var r = LlmServingStudy.Run(Serving(), Technology);
        var reported = r.Evaluations.Select(e => e.Package).Append(r.Cheapest?.Package).Append(r.Bespoke?.Package).Append(r.Closest?.Package)
            .Concat(r.Baselines.Select(b => b.Nearest?.Package)).OfType<ComposedPackage>().ToList();
        Assert.All(reported, p => Assert.True(p.Legal, $"{p.Name}: {string.Join("; ", p.Floorplan.Violations.Select(v => v.Message))}"));
        Assert.All(r.Rejected, x => Assert.Equal(x.Package.Floorplan.Violations[0].Message, x.Violation));
        Assert.DoesNotContain(r.Rejected, x => r.Evaluations.Any(e => e.Label == x.Label));
    }

    [Fact]
    public void A_speculative_study_without_a_legal_split_package_picks_a_homogeneous_one()
    {
        // 40 target chiplets with an HBM3 stack each: the stacks alone (125 mm² each) outgrow a CoWoS-S interposer.
        var r = Speculative(gammas: "2", draft: "counts: [1], memory: [LPDDR5]", target: "counts: [40], memory: [HBM3]", referenceGamma: 2,
            baselines: "counts: [1], memory: [LPDDR5]");
        Assert.DoesNotContain(r.Packages, p => p.Split);
        Assert.NotNull(r.Bespoke);
        Assert.False(r.Bespoke.Split);
        Assert.Equal(r.Bespoke.Label, r.Comparison.BestHomogeneous!.Label);
        Assert.NotEmpty(r.Rejected);
        Assert.All(r.Rejected, x => Assert.False(x.Package.Legal));
    }
}

public class StudyCliTests
{
    [Fact]
    public void Study_without_a_name_lists_the_studies()
    {
        var o = CliRunner.Run("study");
        Assert.Equal(0, o.ExitCode);
        Assert.Contains("llm-serving", o.Out);
        Assert.Contains("speculative-decoding", o.Out);
        Assert.Contains("av-perception", o.Out);
    }

    [Theory]
    [InlineData("llm-serving")]
    [InlineData("speculative-decoding")]
    [InlineData("av-perception")]
    public void Printed_defaults_round_trip_through_the_loader(string study)
    {
        var o = CliRunner.Run("study", study, "--print-default");
        Assert.Equal(0, o.ExitCode);
        var path = CliRunner.TempFile(o.Out);
        var t = TechnologyLibrary.LoadDefault();
        switch (study)
        {
            case LlmServingStudy.Name:
                Assert.Equal(LlmServingConfig.Load(null, t) with { }, LlmServingConfig.Load(path, t), new ConfigText());
                break;
            case SpeculativeDecodingStudy.Name:
                Assert.Equal(SpeculativeConfig.Load(null, t).Draft, SpeculativeConfig.Load(path, t).Draft);
                break;
            default:
                Assert.Equal(AvPerceptionConfig.Load(null, t).Fusion, AvPerceptionConfig.Load(path, t).Fusion);
                break;
        }
    }

    [Fact]
    public void A_bad_study_file_exits_2_with_file_and_line()
    {
        var lines = CliRunner.Run("study", "llm-serving", "--print-default").Out.Split('\n');
        int line = Array.FindIndex(lines, l => l.StartsWith("request_rate:", StringComparison.Ordinal));
        lines[line] = "request_rate: fast";
        var path = CliRunner.TempFile(string.Join('\n', lines));
        var o = CliRunner.Run("study", "llm-serving", path);
        Assert.Equal(2, o.ExitCode);
        Assert.Contains($"{Path.GetFileName(path)}:{line + 1}:", o.Error);
        Assert.Contains("request_rate", o.Error);
    }

    [Fact]
    public void An_unknown_study_exits_2()
    {
        var o = CliRunner.Run("study", "weather");
        Assert.Equal(2, o.ExitCode);
        Assert.Contains("unknown study", o.Error);
    }

    /// <summary>Configs hold immutable arrays (reference equality): compare what a user wrote.</summary>
    private sealed class ConfigText : IEqualityComparer<LlmServingConfig>
    {
        public bool Equals(LlmServingConfig? a, LlmServingConfig? b) => a is not null && b is not null &&
            a.Model == b.Model && a.Targets == b.Targets && a.Match == b.Match && a.RequestRate == b.RequestRate && a.Batch == b.Batch &&
            a.Prefill.Counts.SequenceEqual(b.Prefill.Counts) && a.Decode.Memory.SequenceEqual(b.Decode.Memory) &&
            a.Homogeneous.Designs.SequenceEqual(b.Homogeneous.Designs) && a.Designs.Count == b.Designs.Count &&
            a.Designs.All(d => b.Designs[d.Key] == d.Value);

        public int GetHashCode(LlmServingConfig c) => c.Model.GetHashCode();
    }
}

public class VerificationGraphTests
{
    [Fact]
    public void A_decode_step_over_several_tokens_scales_macs_not_weights()
    {
        var config = TransformerConfigs.Gpt2Small;
        var one = ModelZoo.CreateTransformer(config, new ModelOptions(Phase: TransformerPhase.Decode, ContextLength: 256));
        var four = ModelZoo.CreateTransformer(config, new ModelOptions(Phase: TransformerPhase.Decode, ContextLength: 256, DecodeTokens: 4));
        // Every projection and both attention matmuls see 4 query tokens against the same 256 cached positions.
        Assert.Equal(4 * one.Macs, four.Macs);
        Assert.Equal(one.ParameterBytes, four.ParameterBytes);
        Assert.Throws<Tessera.Diagnostics.TesseraInputException>(() =>
            ModelZoo.CreateTransformer(config, new ModelOptions(Phase: TransformerPhase.Decode, DecodeTokens: 0)));
    }
}
