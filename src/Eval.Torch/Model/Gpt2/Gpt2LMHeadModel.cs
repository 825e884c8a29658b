namespace Eval.Torch.Model.Gpt2;

/// <summary>
/// transformers' GPT2LMHeadModel: transformer (wte, wpe, blocks h, ln_f) and lm_head, which only an untied checkpoint has
/// (state_dict keys transformer.h.0.attn.c_attn.weight, transformer.wpe.weight, ...).
/// </summary>
public sealed class Gpt2LMHeadModel(Gpt2Architecture architecture)
    : DecoderCausalLM<Gpt2Architecture, Gpt2Model>(nameof(Gpt2LMHeadModel), architecture, "transformer", new Gpt2Model(architecture), "lm_head", architecture.TieWordEmbeddings);
