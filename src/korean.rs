//! Korean particles after a word filled in at run time: the object particle 을/를, the topic
//! particle 은/는 and the instrumental (으)로 depend on whether the word ends in a final
//! consonant (받침). A word not ending in Hangul (a Latin brand name, a number) gets the neutral
//! written form, 을(를), which is correct written Korean. The summaries (`grants::receipt`) and
//! the CLI use these; the desktop UI does the same in `ui/src/lib/i18n/particles.ts`.

/// The word a particle attaches to: a trailing parenthetical is read past ("생일(연도 제외)" is
/// read as 생일).
fn head(word: &str) -> &str {
    match word
        .trim_end()
        .strip_suffix(')')
        .and_then(|w| w.rfind('(').map(|i| &w[..i]))
    {
        Some(head) => head.trim_end(),
        None => word.trim_end(),
    }
}

/// The final consonant index (0 = none, 8 = ㄹ) of `word`'s last syllable; `None` when it does
/// not end in a Hangul syllable.
fn final_consonant(word: &str) -> Option<u32> {
    match head(word).chars().last().map(u32::from) {
        Some(c @ 0xAC00..=0xD7A3) => Some((c - 0xAC00) % 28),
        _ => None,
    }
}

/// The Korean particle "by means of" for `word`: 로 after a vowel or ㄹ, 으로 after any other
/// final consonant; for a word not ending in Hangul, the neutral written form (으)로.
pub fn instrumental_particle(word: &str) -> &'static str {
    match final_consonant(word) {
        Some(0 | 8) => "로",
        Some(_) => "으로",
        None => "(으)로",
    }
}

/// The Korean object particle for `word`: 을 after a final consonant (받침), 를 after a vowel;
/// for a word not ending in Hangul, the neutral written form 을(를).
pub fn object_particle(word: &str) -> &'static str {
    match final_consonant(word) {
        Some(0) => "를",
        Some(_) => "을",
        None => "을(를)",
    }
}

/// The Korean topic particle for `word`: 은 after a final consonant, 는 after a vowel; 은(는)
/// for a word not ending in Hangul.
pub fn topic_particle(word: &str) -> &'static str {
    match final_consonant(word) {
        Some(0) => "는",
        Some(_) => "은",
        None => "은(는)",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn particles_follow_the_final_consonant() {
        assert_eq!(object_particle("생년월일"), "을");
        assert_eq!(object_particle("이메일 주소"), "를");
        assert_eq!(object_particle("생일(연도 제외)"), "을");
        assert_eq!(object_particle("Acme"), "을(를)");
        assert_eq!(instrumental_particle("이메일"), "로");
        assert_eq!(instrumental_particle("카카오톡"), "으로");
        assert_eq!(instrumental_particle("문자"), "로");
        assert_eq!(instrumental_particle("성인 (청소년보호법 기준)"), "으로");
        assert_eq!(instrumental_particle("email"), "(으)로");
        assert_eq!(topic_particle("카페"), "는");
        assert_eq!(topic_particle("빵집"), "은");
        assert_eq!(topic_particle("2026"), "은(는)");
    }
}
