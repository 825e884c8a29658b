using System.CommandLine;
using Eval.Core.Models;
using Eval.Torch.Bench.LlamaCpp;
using Eval.Torch.Model;
using static TorchSharp.torch;

namespace Eval.Cli.Commands;

/// <summary>
/// `eval gguf --model M --out FILE --type f32|f16|bf16`: the same weights as a GGUF file for llama.cpp's
/// llama-perplexity, so the README's speed table compares both programs on one model (plain RoPE Llama models only).
/// </summary>
public static class GgufCommand
{
    public static readonly string[] Types = ["f32", "f16", "bf16"];

    public static Command Create(TextWriter output)
    {
        var model = new Option<string>("--model") { Description = "zoo:NAME or a checkpoint directory (llama, plain RoPE, tokenizer.model), or synthetic:SIZE.", Required = true };
        var file = new Option<string>("--out") { Description = "The .gguf file to write.", Required = true };
        var type = new Option<string>("--type") { Description = "Matrix type: f32, f16 or bf16 (norms stay f32, as llama.cpp's converter writes them).", DefaultValueFactory = _ => "f32" };
        type.AcceptOnlyFromAmong(Types);
        var command = new Command("gguf", "Write a llama model as GGUF for llama.cpp (the speed comparison in the README).") { model, file, type };
        command.SetAction(parse =>
        {
            string reference = parse.GetValue(model)!, path = Path.GetFullPath(parse.GetValue(file)!);
            if (!Directory.Exists(Path.GetDirectoryName(path))) throw new InvalidInputException($"--out: the folder of {path} does not exist.");
            var dtype = parse.GetValue(type) switch { "f16" => ScalarType.Float16, "bf16" => ScalarType.BFloat16, _ => ScalarType.Float32 };
            // Built in bf16 for a bf16 file, so a 7B shape needs half the memory; f16 and f32 convert from fp32.
            using var lm = ModelOptions.LoadOrSynthetic(reference, dtype == ScalarType.BFloat16 ? ScalarType.BFloat16 : ScalarType.Float32);
            var llama = lm.Model as LlamaForCausalLM
                ?? throw new InvalidInputException($"--model: {reference} is not a llama model; GGUF export writes llama.cpp's llama architecture only.");
            var vocabulary = VocabularyOf(reference, llama);
            if (LlamaGguf.Unsupported(llama, vocabulary) is string why) throw new InvalidInputException($"--model: {reference} cannot be exported: {why}");
            LlamaGguf.Write(path, llama, vocabulary, dtype, reference);
            output.WriteLine($"wrote {path} ({new FileInfo(path).Length / 1048576.0:N1} MiB, {parse.GetValue(type)}, {lm.Model.ParameterCount():N0} parameters)");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static SentencePieceVocabulary VocabularyOf(string reference, LlamaForCausalLM llama)
    {
        if (reference.StartsWith(ModelOptions.SyntheticPrefix, StringComparison.Ordinal)) return SentencePieceVocabulary.Synthetic(llama.Architecture.VocabSize);
        string spm = Path.Combine(ModelReference.Resolve(reference), "tokenizer.model");
        if (!File.Exists(spm)) throw new InvalidInputException($"--model: {spm} not found; GGUF export needs a SentencePiece tokenizer.model.");
        try { return SentencePieceVocabulary.Read(spm); }
        catch (InvalidDataException e) { throw new InvalidInputException($"--model: {e.Message}"); }
    }
}
