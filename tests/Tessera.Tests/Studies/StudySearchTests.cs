using System.Text.Json;
using CsCheck;
using Tessera.Costs;
using Tessera.Diagnostics;
using Tessera.Studies;
using Tessera.Technology;
using Tessera.Tests.Cli;

namespace Tessera.Tests.Studies;

public class OverlappedSpeculationTests
{
    [Fact]
    public void An_overlapped_cycle_matches_the_hand_computed_expectation()
    {
        // α 0.5, γ 2, T_d 1 s, T_v 3 s, R 0: the lookahead survives with 0.5³ = 0.125 and then costs max(3, 3 × 1) = 3 s;
        // otherwise 3 + 0 + 2 × 1 = 5 s. 0.125 × 3 + 0.875 × 5 = 4.75 s; draft steps 3 + 0.875 × 2 = 4.75.
        var (seconds, draftSteps, rollbacks) = Speculation.OverlappedCycle(0.5, 2, 1, 3, 0);
        Assert.Equal(4.75, seconds, 12);
        Assert.Equal(4.75, draftSteps, 12);
        Assert.Equal(0.875, rollbacks, 12);
        // Per accepted token 4.75 / 1.75 = 2.714 s, against (2 × 1 + 3) / 1.75 = 2.857 s one after the other.
        Assert.Equal(4.75 / 1.75, seconds / Speculation.ExpectedTokens(0.5, 2), 12);

        // Mozart's point α 0.7, γ 8 with T_d 0.1, T_v 0.5, R 0.01: k = 0.7⁹ = 0.040353607;
        // 0.040353607 × max(0.5, 0.9) + 0.959646393 × (0.5 + 0.01 + 0.8) = 1.293455021 s; 9 + 0.959646393 × 8 = 16.677171144 steps.
        var mozart = Speculation.OverlappedCycle(0.7, 8, 0.1, 0.5, 0.01);
        Assert.Equal(1.293455021, mozart.Seconds, 9);
        Assert.Equal(16.677171144, mozart.DraftSteps, 9);
    }

    [Fact]
    public void Overlap_hides_the_draft_when_every_token_is_accepted_and_costs_the_rollback_when_none_is()
    {
        // α = 1: the draft's γ + 1 steps run during the verification; the cycle is the longer of the two.
        Assert.Equal(3.0, Speculation.OverlappedCycle(1, 2, 1, 3, 0.5).Seconds, 12);
        Assert.Equal(4.0, Speculation.OverlappedCycle(1, 3, 1, 3, 0.5).Seconds, 12);
        // α = 0: the sequential cycle γ T_d + T_v plus the hand-off R, and the lookahead is wasted draft work.
        var none = Speculation.OverlappedCycle(0, 2, 1, 3, 0.5);
        Assert.Equal(5.5, none.Seconds, 12);
        Assert.Equal(5.0, none.DraftSteps, 12);
    }
}

public class BatchQueueingTests
{
    [Fact]
    public void The_md1_wait_matches_pollaczek_khinchine_by_hand()
    {
        // λ 0.5/s, B 1, S 1 s: ρ = 0.5, W = 0.5 × 1 / (2 × 0.5) = 0.5 s.
        Assert.Equal(0.5, BatchQueueing.WaitSeconds(0.5, 1, 1), 12);
        // λ 0.3/s, B 2, S 4 s: ρ = 0.3 × 4 / 2 = 0.6, W = 0.6 × 4 / (2 × 0.4) = 3 s.
        Assert.Equal(0.6, BatchQueueing.Utilisation(0.3, 2, 4), 12);
        Assert.Equal(3.0, BatchQueueing.WaitSeconds(0.3, 2, 4), 12);
        // At and past saturation the queue grows without bound.
        Assert.Equal(double.PositiveInfinity, BatchQueueing.WaitSeconds(1, 1, 1));
        Assert.Equal(double.PositiveInfinity, BatchQueueing.WaitSeconds(8, 4, 1));
    }
}

/// <summary>
/// The search of every study contains its homogeneous baselines, so the bespoke package scores at most what the best
/// homogeneous package does, which scores at most what the equal-cost one does: checked on random small spaces (roofline
/// cost model, one simulator per study so the draws share simulations).
/// </summary>
public class StudySearchContainsBaselinesTests
{
    private static readonly TechnologyLibrary Technology = TechnologyLibrary.LoadDefault();
    private static readonly StageSimulator Serving = new(CostModels.Create("roofline"));
    private static readonly StageSimulator Perception = new(CostModels.Create("roofline"));
    private static readonly StageSimulator Speculative = new(CostModels.Create("roofline"));

    private static readonly string[] Objectives = ["latency", "energy", "edp", "ec", "edcp"];

    private static Gen<string> Objective() => Gen.Int[0, Objectives.Length - 1].Select(i => Objectives[i]);

    private static Gen<string> Subset(params string[] values) =>
        Gen.Int[1, (1 << values.Length) - 1].Select(mask => string.Join(", ", values.Where((_, i) => (mask & (1 << i)) != 0)));

    private static void Ordered(StudyComparison c)
    {
        Assert.NotNull(c.Bespoke);
        if (c.BestHomogeneous is { } best)
        {
            Assert.True(c.Bespoke.Value <= best.Value * (1 + 1e-12), $"bespoke {c.Bespoke} above the best homogeneous {best}");
            Assert.True(best.Value <= c.EqualCostHomogeneous!.Value * (1 + 1e-12), $"best homogeneous {best} above the equal-cost {c.EqualCostHomogeneous}");
        }
    }

    [Fact]
    public void Serving_bespoke_is_never_worse_than_a_homogeneous_package_that_meets_the_targets()
    {
        Gen.Select(Subset("1", "2"), Subset("LPDDR5", "HBM3", "GDDR7"), Objective()).Sample((counts, memory, objective) =>
        {
            var text = StudyRunTests.SmallServing
                .Replace("decode: {designs: [small], counts: [1, 2], memory: [LPDDR5, HBM3]}", $"decode: {{designs: [small], counts: [{counts}], memory: [{memory}]}}", StringComparison.Ordinal)
                .Replace("homogeneous: {designs: [small], counts: [1, 2], memory: [LPDDR5, HBM3]}", $"homogeneous: {{designs: [small], counts: [{counts}], memory: [{memory}]}}", StringComparison.Ordinal);
            var config = LlmServingConfig.Load(CliRunner.TempFile(text + $"\nobjective: {objective}\n"), Technology);
            var r = LlmServingStudy.Run(config, Technology, Serving);
            var o = config.Objective;
            foreach (var baseline in r.Evaluations.Where(e => !e.Disaggregated && e.MeetsTargets))
                Assert.True(o.Score(r.Bespoke!.PerToken) <= o.Score(baseline.PerToken) * (1 + 1e-12), $"{r.Bespoke.Label} worse than {baseline.Label} on {o}");
            if (r.Bespoke is not null) Ordered(r.Comparison);
            // A split over one design is not heterogeneous.
            Assert.All(r.Evaluations, e => Assert.Equal(e.Package.Groups.Select(g => g.DesignName).Distinct().Count() > 1, e.Heterogeneous));
        }, iter: 4, threads: 1);
    }

    [Fact]
    public void Perception_bespoke_is_never_worse_than_a_homogeneous_package_that_meets_the_deadline()
    {
        Gen.Select(Subset("1", "2"), Subset("1", "2", "3"), Objective(), Gen.Bool).Sample((cnnCounts, counts, objective, deploy) =>
        {
            // Deployed: every count also as replicas of one chiplet, and the fusion pinned to one chiplet of a larger group.
            string Tp(string list) => deploy ? $", tp: [{string.Join(", ", list.Split(", ").Append("1").Distinct())}]" : "";
            var text = StudyRunTests.SmallPerception
                .Replace("cnn: {designs: [ws], counts: [1, 2], memory: [HBM3]", $"cnn: {{designs: [ws], counts: [{cnnCounts}], memory: [HBM3]{Tp(cnnCounts)}", StringComparison.Ordinal)
                .Replace("homogeneous: {designs: [ws], counts: [1, 2], memory: [HBM3]", $"homogeneous: {{designs: [ws], counts: [{counts}], memory: [HBM3]{Tp(counts)}", StringComparison.Ordinal)
                + (deploy && counts != "1" ? "\nfusion_share: [1]\n" : "");
            var config = AvPerceptionConfig.Load(CliRunner.TempFile(text + $"\nobjective: {objective}\n"), Technology);
            var r = AvPerceptionStudy.Run(config, Technology, Perception);
            foreach (var baseline in r.Evaluations.Where(e => !e.Split && e.MeetsDeadline))
                Assert.True(config.Objective.Score(r.Bespoke!.PerFrame) <= config.Objective.Score(baseline.PerFrame) * (1 + 1e-12), baseline.Label);
            if (r.Bespoke is not null) Ordered(r.Comparison);
        }, iter: 4, threads: 1);
    }

    [Fact]
    public void Speculative_bespoke_is_never_worse_than_a_homogeneous_package()
    {
        Gen.Select(Subset("1", "2"), Subset("1", "2"), Subset("HBM3", "GDDR7"), Objective(), Gen.Bool).Sample((draft, target, memory, objective, deploy) =>
        {
            // Deployed: the homogeneous packages also as replicas of one chiplet and with the draft pinned to one chiplet.
            var text = StudyRunTests.SpeculativeText("2, 4", $"counts: [{draft}], memory: [{memory}]", $"counts: [{target}], memory: [HBM3]", 4,
                $"counts: [1, 2], memory: [{memory}]" + (deploy ? ", tp: [1, 2]" : "")) + (deploy ? "\ndraft_share: [1]\n" : "");
            var config = SpeculativeConfig.Load(CliRunner.TempFile(text + $"\nobjective: {objective}\n"), Technology);
            var r = SpeculativeDecodingStudy.Run(config, Technology, Speculative);
            foreach (var baseline in r.Packages.Where(p => !p.Split))
                Assert.True(config.Objective.Score(r.Bespoke!.PerTokenAt(0.7, 4)) <= config.Objective.Score(baseline.PerTokenAt(0.7, 4)) * (1 + 1e-12), baseline.Label);
            Ordered(r.Comparison);
        }, iter: 4, threads: 1);
    }
}

public class StudyFileTests
{
    private static readonly TechnologyLibrary Technology = TechnologyLibrary.LoadDefault();

    public static TheoryData<string, string, string, string> MissingBaselineDesigns() => new()
    {
        // study, file, the baseline design added, the stage list that lacks it
        { "av-perception", StudyRunTests.SmallPerception.Replace("homogeneous: {designs: [ws]", "homogeneous: {designs: [ws, os]", StringComparison.Ordinal)
            .Replace("designs:\n", "designs:\n  os: {template: os, width_scale: 1, height_scale: 1, buffer: 1}\n", StringComparison.Ordinal), "os", "cnn.designs" },
        { "llm-serving", StudyRunTests.SmallServing.Replace("homogeneous: {designs: [small]", "homogeneous: {designs: [small, big]", StringComparison.Ordinal)
            .Replace("designs:\n", "designs:\n  big: {template: ws, width_scale: 2, height_scale: 2, buffer: 1}\n", StringComparison.Ordinal), "big", "prefill.designs" },
        { "speculative-decoding", StudyRunTests.SpeculativeText("2", "counts: [1], memory: [HBM3]", "counts: [1], memory: [HBM3]", 2, "counts: [1], memory: [HBM3]")
            .Replace("baselines: {designs: [small]", "baselines: {designs: [small, big]", StringComparison.Ordinal)
            .Replace("designs:\n", "designs:\n  big: {template: ws, width_scale: 2, height_scale: 2, buffer: 1}\n", StringComparison.Ordinal), "big", "heterogeneous.draft.designs" },
    };

    [Theory]
    [MemberData(nameof(MissingBaselineDesigns))]
    public void A_space_that_cannot_contain_its_baselines_exits_2_naming_the_design(string study, string text, string design, string stage)
    {
        var path = CliRunner.TempFile(text);
        var o = CliRunner.Run("study", study, path);
        Assert.Equal(2, o.ExitCode);
        Assert.Contains($"{Path.GetFileName(path)}:", o.Error);
        Assert.Contains($"baseline design '{design}' is missing from {stage}", o.Error);
    }

    [Fact]
    public void The_ucie_reach_of_a_study_file_bounds_its_links_and_an_unknown_one_exits_2()
    {
        var r = AvPerceptionStudy.Run(AvPerceptionConfig.Load(CliRunner.TempFile(StudyRunTests.SmallPerception + "\nucie_reach: mozart\n"), Technology), Technology);
        Assert.Equal("mozart", r.Config.UcieReach);
        var links = r.Evaluations.SelectMany(e => e.Package.Floorplan.Links).ToList();
        Assert.NotEmpty(links);
        Assert.All(links, l => Assert.Equal(10, l.ReachMm));
        Assert.Equal("spec", AvPerceptionConfig.Load(CliRunner.TempFile(StudyRunTests.SmallPerception), Technology).UcieReach);

        var o = CliRunner.Run("study", "av-perception", CliRunner.TempFile(StudyRunTests.SmallPerception + "\nucie_reach: mozzart\n"));
        Assert.Equal(2, o.ExitCode);
        Assert.Contains("did you mean 'mozart'", o.Error);
        Assert.Contains("spec, mozart", o.Error);
    }

    [Fact]
    public void Full_replaces_the_keys_it_lists_and_its_keys_are_checked()
    {
        var text = StudyRunTests.SmallPerception + "\nfull:\n  designs: {grid: default}\n  cnn: {designs: [all], counts: [1, 2, 3], memory: [HBM3]}\n" +
            "  fusion_stage: {designs: [all], counts: [1], memory: [HBM3]}\n  homogeneous: {designs: [ws-1x1-b1], counts: [1], memory: [HBM3]}\n";
        var path = CliRunner.TempFile(text);
        var fast = AvPerceptionConfig.Load(path, Technology);
        Assert.Equal([1, 2], fast.Cnn.Counts.ToArray());
        Assert.Single(fast.Designs);
        var full = AvPerceptionConfig.Load(path, Technology, full: true);
        Assert.Equal([1, 2, 3], full.Cnn.Counts.ToArray());
        // The default grid: 3 templates × PE scales {1, 2} per axis × buffers {1, 4}.
        Assert.Equal(24, full.Designs.Count);
        Assert.Equal(24, full.Cnn.Designs.Length);
        Assert.Contains("ws-2x1-b4", full.Designs.Keys);

        var o = CliRunner.Run("study", "av-perception", CliRunner.TempFile(StudyRunTests.SmallPerception + "\nfull:\n  cameraz: 4\n"));
        Assert.Equal(2, o.ExitCode);
        Assert.Contains("did you mean 'cameras'", o.Error);
    }

    [Fact]
    public void The_json_of_a_study_carries_its_comparison_on_its_objective()
    {
        var o = CliRunner.Run("study", "av-perception", CliRunner.TempFile(StudyRunTests.SmallPerception), "--json", "--cost-model", "roofline");
        Assert.Equal(0, o.ExitCode);
        var comparison = JsonDocument.Parse(o.Out).RootElement.GetProperty("comparison");
        Assert.Equal("ec", comparison.GetProperty("objective").GetString());
        var bespoke = comparison.GetProperty("bespoke").GetProperty("value").GetDouble();
        var best = comparison.GetProperty("bestHomogeneous").GetProperty("value").GetDouble();
        var equal = comparison.GetProperty("equalCostHomogeneous").GetProperty("value").GetDouble();
        Assert.True(bespoke <= best && best <= equal, $"{bespoke} {best} {equal}");
    }
}

public class ServingLoadTests
{
    private static readonly TechnologyLibrary Technology = TechnologyLibrary.LoadDefault();

    [Fact]
    public void The_load_sweep_names_a_winner_per_rate_and_none_past_saturation()
    {
        var text = StudyRunTests.SmallServing + "\nloads: {request_rates: [0.5, 2, 100000], batches: [1, 2]}\n";
        var config = LlmServingConfig.Load(CliRunner.TempFile(text), Technology);
        var r = LlmServingStudy.Run(config, Technology, new StageSimulator(CostModels.Create("roofline")));
        Assert.Equal([0.5, 2, 100000], r.Loads.Select(l => l.RequestRate).ToArray());
        Assert.True(r.SaturationRate > 0);
        // Far past every package's capacity nothing meets the targets: the queue is unbounded.
        Assert.Null(r.Loads[^1].Winner);
        foreach (var load in r.Loads.Where(l => l.Winner is not null))
        {
            var w = load.Winner!;
            Assert.True(w.TtftSeconds <= config.Targets.TtftSeconds);
            // TTFT = the M/D/1 wait in front of the prefill + the prefill.
            var service = w.Disaggregated ? w.Prefill!.LatencySeconds : w.Prefill!.LatencySeconds + (w.KvTransfer! + w.DecodeStep!.Times(config.OutputTokens)).LatencySeconds;
            Assert.Equal(BatchQueueing.WaitSeconds(load.RequestRate / w.PrefillReplicas, w.Batch, service) + w.Prefill.LatencySeconds, w.TtftSeconds, 9);
            if (load.BestHomogeneous is { } h)
                Assert.True(config.Objective.Score(w.PerToken) <= config.Objective.Score(h.PerToken) * (1 + 1e-12));
        }
        Assert.False(string.IsNullOrWhiteSpace(r.CrossoverText));
    }

    private const string ReplicatedServing = """
        model: gpt2-small
        bits: 16
        request_rate: 2
        prompt_tokens: 64
        output_tokens: 16
        batch: 2
        targets: {ttft: 10 s, tpot: 1 s}
        max_modules_per_chiplet: 4
        designs:
          small: {template: ws, width_scale: 1, height_scale: 1, buffer: 1}
        prefill: {designs: [small], counts: [1, 2], memory: [HBM3], tp: [1, 2]}
        decode: {designs: [small], counts: [1, 2], memory: [HBM3], tp: [1, 2]}
        homogeneous: {designs: [small], counts: [1, 2], memory: [HBM3], tp: [1, 2]}
        show: 4
        ucie_reach: mozart
        """;

    [Fact]
    public void Replicas_multiply_capacity_and_split_the_arrivals()
    {
        var config = LlmServingConfig.Load(CliRunner.TempFile(ReplicatedServing), Technology);
        var r = LlmServingStudy.Run(config, Technology, new StageSimulator(CostModels.Create("roofline")));
        var byLabel = r.Evaluations.ToDictionary(e => e.Label);
        // Counts {1, 2} × degrees {1, 2} that divide them: 1×, 2× TP1 (two replicas), 2× (one model over both).
        Assert.Equal(["1×small+HBM3", "2×small TP1+HBM3", "2×small+HBM3"], r.Evaluations.Where(e => !e.Disaggregated).Select(e => e.Label).Order().ToArray());
        Assert.Equal(9, r.Evaluations.Count(e => e.Disaggregated) + r.Rejected.Count(x => x.Label.StartsWith("P ", StringComparison.Ordinal)));

        var one = byLabel["1×small+HBM3"];
        var two = byLabel["2×small TP1+HBM3"];
        Assert.Equal((1, 2), (one.PrefillReplicas, two.PrefillReplicas));
        // A replica is the one-chiplet package again: the same step times and energy per token, twice the capacity.
        Assert.Equal(one.TpotSeconds, two.TpotSeconds);
        Assert.Equal(one.Prefill!.LatencySeconds, two.Prefill!.LatencySeconds);
        Assert.Equal(one.EnergyPerTokenJ, two.EnergyPerTokenJ, 12);
        Assert.Equal(2 * one.CapacityTokensPerSecond, two.CapacityTokensPerSecond, 9);
        Assert.Equal(one.Utilisation / 2, two.Utilisation, 12);
        // Each replica queues half the arrivals: M/D/1 at λ/2 with the same service (prefill + the batch's decode).
        var service = two.Prefill.LatencySeconds + (two.KvTransfer! + two.DecodeStep!.Times(config.OutputTokens)).LatencySeconds;
        Assert.Equal(BatchQueueing.WaitSeconds(config.RequestRate / 2, config.Batch, service), two.QueueSeconds, 12);
        // Two replicas cost two chiplets and two memory stacks.
        Assert.Equal(2, two.Package.Groups.Length);
        Assert.Equal(two.Package.Groups[0].MemoryModules, two.Package.Groups[1].MemoryModules);

        // Disaggregated: the slower phase's replicas decide the batch rate.
        var split = r.Evaluations.Single(e => e.Label == "P 2×small TP1+HBM3 / D 1×small+HBM3");
        Assert.Equal((2, 1), (split.PrefillReplicas, split.DecodeReplicas));
        double batchSeconds = Math.Max(split.Prefill!.LatencySeconds / 2, (split.KvTransfer! + split.DecodeStep!.Times(config.OutputTokens)).LatencySeconds);
        Assert.Equal(config.Batch * config.OutputTokens / batchSeconds, split.CapacityTokensPerSecond, 9);
    }

    [Fact]
    public void A_value_listed_twice_is_refused_at_its_line()
    {
        var text = ReplicatedServing.Replace("prefill: {designs: [small], counts: [1, 2], memory: [HBM3], tp: [1, 2]}",
            "prefill: {designs: [small], counts: [1, 2], memory: [HBM3], tp: [1, 2, 2]}");
        var e = Assert.Throws<TesseraInputException>(() => LlmServingConfig.Load(CliRunner.TempFile(text), Technology));
        Assert.Contains(":11:", e.Message);
        Assert.Contains("tp lists '2' twice", e.Message);
    }

    [Fact]
    public void A_tp_degree_that_divides_no_count_is_refused_at_its_line()
    {
        var text = ReplicatedServing.Replace("prefill: {designs: [small], counts: [1, 2], memory: [HBM3], tp: [1, 2]}",
            "prefill: {designs: [small], counts: [1, 2], memory: [HBM3], tp: [4]}");
        var e = Assert.Throws<TesseraInputException>(() => LlmServingConfig.Load(CliRunner.TempFile(text), Technology));
        Assert.Contains(":11:", e.Message);
        Assert.Contains("tp 4 divides none of the prefill counts (1, 2)", e.Message);
    }
}
