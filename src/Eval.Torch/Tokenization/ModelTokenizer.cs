using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Eval.Core.Models;
using Microsoft.ML.Tokenizers;

namespace Eval.Torch.Tokenization;

/// <summary>
/// A checkpoint's own tokenizer through Microsoft.ML.Tokenizers: tokenizer.model (SentencePiece, as Llama 1/2,
/// Mistral, TinyLlama), tokenizer.json with a byte-level BPE model (GPT-2 style: Qwen2, SmolLM, Llama 3 exports),
/// or a *.tiktoken file (Llama 3's original tokenizer). BOS/EOS come from config.json, else from the
/// SentencePiece model itself.
/// </summary>
public sealed class ModelTokenizer
{
    private readonly Tokenizer tokenizer;

    private ModelTokenizer(Tokenizer tokenizer, string source, int? bos, int? eos)
    {
        (this.tokenizer, Source, BosId, EosId) = (tokenizer, source, bos, eos);
    }

    /// <summary>The file the tokenizer was read from.</summary>
    public string Source { get; }
    public int? BosId { get; }
    public int? EosId { get; }

    /// <summary>The file names looked for, in order of preference.</summary>
    public static readonly string[] FileNames = ["tokenizer.model", "tokenizer.json", "*.tiktoken"];

    /// <summary>The tokenizer files present in a checkpoint folder (what a derived checkpoint copies).</summary>
    public static IEnumerable<string> Files(string directory) =>
        FileNames.SelectMany(pattern => Directory.EnumerateFiles(directory, pattern)).Distinct();

    public static ModelTokenizer Load(string directory, ModelConfig? config = null)
    {
        int? configBos = config?.BosTokenId;
        int? configEos = config?.EosTokenIds is { Length: > 0 } e ? e[0] : null;

        string spm = Path.Combine(directory, "tokenizer.model");
        if (File.Exists(spm) && IsSentencePiece(spm))
        {
            using var stream = File.OpenRead(spm);
            LlamaTokenizer llama;
            try { llama = LlamaTokenizer.Create(stream, addBeginOfSentence: false, addEndOfSentence: false); }
            catch (Exception ex) when (ex is not OutOfMemoryException) { throw new TokenizerException($"{spm}: not a readable SentencePiece model ({ex.Message})."); }
            return new ModelTokenizer(llama, spm, configBos ?? llama.BeginningOfSentenceId, configEos ?? llama.EndOfSentenceId);
        }

        string json = Path.Combine(directory, "tokenizer.json");
        if (File.Exists(json)) return new ModelTokenizer(FromTokenizerJson(json), json, configBos, configEos);

        string? tiktoken = (File.Exists(spm) ? spm : null) ?? Directory.EnumerateFiles(directory, "*.tiktoken").FirstOrDefault();
        if (tiktoken is not null) return new ModelTokenizer(FromTiktoken(tiktoken), tiktoken, configBos, configEos);

        throw new TokenizerException($"{directory}: no tokenizer found. Looked for: {string.Join(", ", FileNames)}.");
    }

    public IReadOnlyList<int> Encode(string text) => tokenizer.EncodeToIds(text);

    public string Decode(IEnumerable<int> ids) => tokenizer.Decode(ids);

    /// <summary>SentencePiece models are protobuf (binary); Llama 3's tokenizer.model is tiktoken text (base64 + rank per line).</summary>
    private static bool IsSentencePiece(string path)
    {
        using var stream = File.OpenRead(path);
        int first = stream.ReadByte();
        return first == 0x0A; // protobuf field 1 (pieces), length-delimited
    }

    private static Tokenizer FromTokenizerJson(string path)
    {
        JsonObject root;
        try { root = JsonNode.Parse(File.ReadAllText(path))!.AsObject(); }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidOperationException)
        { throw new TokenizerException($"{path}: not valid JSON ({ex.Message})."); }
        var model = root["model"] as JsonObject ?? throw new TokenizerException($"{path}: no \"model\" object.");
        string type = model["type"]?.GetValue<string>() ?? "";
        if (type != "BPE") throw new TokenizerException($"{path}: model type \"{type}\" is not supported; supported: BPE (byte-level).");
        bool byteLevel = root["pre_tokenizer"]?.ToJsonString().Contains("ByteLevel", StringComparison.Ordinal) == true;
        if (!byteLevel)
            throw new TokenizerException($"{path}: a BPE tokenizer.json without a ByteLevel pre-tokenizer (SentencePiece-style) " +
                "is not supported; put the model's tokenizer.model beside it.");
        var vocab = model["vocab"] as JsonObject ?? throw new TokenizerException($"{path}: model has no \"vocab\".");
        var merges = model["merges"] as JsonArray ?? throw new TokenizerException($"{path}: model has no \"merges\".");
        // CodeGenTokenizer insists on GPT-2's unknown token; byte-level BPE never emits it (every byte is in the
        // vocabulary), so a vocabulary without it gets it at an id past the model's.
        if (!vocab.ContainsKey("<|endoftext|>")) vocab = new JsonObject(vocab.Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone())).Append(KeyValuePair.Create("<|endoftext|>", (JsonNode?)vocab.Count)));
        var mergeLines = new StringBuilder("#version: 0.2\n");
        foreach (var merge in merges)
            mergeLines.Append(merge is JsonArray pair ? $"{pair[0]} {pair[1]}" : merge!.GetValue<string>()).Append('\n');
        using var vocabStream = new MemoryStream(Encoding.UTF8.GetBytes(vocab.ToJsonString()));
        using var mergesStream = new MemoryStream(Encoding.UTF8.GetBytes(mergeLines.ToString()));
        return CodeGenTokenizer.Create(vocabStream, mergesStream, addPrefixSpace: false, addBeginOfSentence: false, addEndOfSentence: false);
    }

    /// <summary>Llama 3's pre-tokenizer pattern (the cl100k family), used for tiktoken files.</summary>
    private const string TiktokenPattern =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    private static Tokenizer FromTiktoken(string path)
    {
        using var stream = File.OpenRead(path);
        try { return TiktokenTokenizer.Create(stream, new RegexPreTokenizer(new Regex(TiktokenPattern, RegexOptions.Compiled), null), null, null, 8192); }
        catch (Exception ex) when (ex is not OutOfMemoryException) { throw new TokenizerException($"{path}: not a readable tiktoken file ({ex.Message})."); }
    }
}
