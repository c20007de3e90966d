/*
 * gen.c - corpus-gen: a synthetic, labelled intelligence/actions corpus.
 *
 *   corpus-gen --records N --seed S --as-of YYYY-MM-DD --out DIR
 *              [--bad-rows K] [--links]
 *
 * Writes DIR/intel.csv, DIR/actions.csv, DIR/labels.csv, DIR/plants.csv and
 * DIR/chains.csv (and with --bad-rows DIR/bad_rows.csv, with --links
 * DIR/links.csv). Every record is synthetic. About 10% of the
 * records are written to carry child sexual exploitation indicators that the
 * shipped rule pack (rules/) must flag; the rest are ordinary logs (burglary,
 * ASB, adult drugs intelligence, missing property, negated and single weak
 * indicators) that it must not. labels.csv gives, for each good record,
 * whether it is CSE and the status gapscan must give it under the shipped
 * profile (SLA 7 days, "high" 3, "urgent" 1; calendar days; an action before
 * the log day never qualifies). The status is computed from the actions
 * actually written, so labels and actions cannot disagree.
 *
 * Repeat intelligence is planted (plan_plants): groups of CSE records that
 * cite one subject, registration, phone number or place, some forming a
 * chain for gapscan's chain finder and some near misses; chains.csv lists
 * exactly the chains gapscan must report. Every other entity in a CSE
 * record is unique by construction, so no chain forms by accident.
 *
 * Output depends only on the arguments: one splitmix64 stream per purpose,
 * never rand(). Bad rows and links come from their own streams, so the
 * good rows are the same with or without --bad-rows or --links.
 *
 * Deliberately independent of libgapscan (linked with -lm only): it is the
 * oracle the analyser is tested against, so it must not share its code.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { EXIT_USAGE = 2, EXIT_IO = 5 };

/* ---- PRNG: splitmix64 ---------------------------------------------------- */

struct rng {
	uint64_t s;
};

static uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n). */
static unsigned rng_below(struct rng *r, unsigned n)
{
	return (unsigned)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* Uniform in [lo, hi]. */
static int rng_range(struct rng *r, int lo, int hi)
{
	return lo + (int)rng_below(r, (unsigned)(hi - lo + 1));
}

static int rng_pct(struct rng *r, unsigned pct)
{
	return rng_below(r, 100) < pct;
}

#define NELEM(a) (sizeof(a) / sizeof(*(a)))
#define PICK(r, a) ((a)[rng_below((r), (unsigned)NELEM(a))])

/* ---- dates (proleptic Gregorian, day 0 = 1970-01-01) ---------------------- */

static long days_from_civil(int y, int m, int d)
{
	int era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (unsigned)((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (long)era * 146097 + (long)doe - 719468;
}

static void civil_from_days(long z, int *y, int *m, int *d)
{
	long era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + (unsigned)era * 400 + (*m <= 2));
}

/* Parses exactly YYYY-MM-DD into a day number; -1 when invalid. */
static long parse_iso_day(const char *s)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30,
				    31, 31, 30, 31, 30, 31};
	int y, m, d;
	char tail;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	if (sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
		return -1;
	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return -1;
	if (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return -1;
	return days_from_civil(y, m, d);
}

/* ---- growable text buffer ------------------------------------------------ */

struct sbuf {
	char *p;
	size_t len, cap;
};

static void sb_reserve(struct sbuf *b, size_t more)
{
	size_t want = b->len + more + 1;

	if (want <= b->cap)
		return;
	while (b->cap < want)
		b->cap = b->cap ? b->cap * 2 : 512;
	b->p = realloc(b->p, b->cap);
	if (b->p == NULL) {
		fputs("corpus-gen: out of memory\n", stderr);
		abort();
	}
}

static void sb_addn(struct sbuf *b, const char *s, size_t n)
{
	sb_reserve(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sb_add(struct sbuf *b, const char *s)
{
	sb_addn(b, s, strlen(s));
}

static void sb_addc(struct sbuf *b, char c)
{
	sb_addn(b, &c, 1);
}

__attribute__((format(printf, 2, 3))) static void sb_addf(struct sbuf *b,
							   const char *fmt, ...)
{
	va_list ap;
	int n;

	/* one pass in the common case: most pieces fit in 64 bytes */
	sb_reserve(b, 64);
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= b->cap - b->len) {
		sb_reserve(b, (size_t)n);
		va_start(ap, fmt);
		vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

static void sb_clear(struct sbuf *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
}

/* Appends s as one CSV field: quoted (quotes doubled) only when needed. */
static void sb_csv(struct sbuf *b, const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		sb_add(b, s);
		return;
	}
	sb_addc(b, '"');
	for (; *s; s++) {
		if (*s == '"')
			sb_addc(b, '"');
		sb_addc(b, *s);
	}
	sb_addc(b, '"');
}

/* ---- vocabulary ---------------------------------------------------------- */

static const char *const districts[] = {"North", "South", "East", "West",
					"Central"};
static const char *const units[] = {
	"CID North",	     "CID South",	    "Response Team 1",
	"Response Team 2",   "Response Team 3",	    "Response Team 4",
	"MASH",		     "Neighbourhood West",  "Neighbourhood East",
	"Neighbourhood North", "Neighbourhood South", "Neighbourhood Central",
	"Missing Persons Unit", "Child Exploitation Team", "Roads Policing"};
static const char *const streets[] = {
	"Mill Road",	 "Station Road", "High Street", "Church Lane",
	"Victoria Street", "Park Avenue", "Canal Street", "Market Square",
	"Albert Road",	 "Queens Parade", "Foundry Lane", "Elm Close",
	"Brook Way",	 "Castle Street", "Chapel Road"};
static const char *const towns[] = {"Leeds",	 "Bradford", "Stoke",
				    "Derby",	 "Coventry", "Blackpool",
				    "Sheffield", "Reading",  "Luton"};
static const char *const colours[] = {"silver", "black", "white",
				      "grey",	"blue",	 "red"};
static const char *const makes[] = {"Audi A3",	 "BMW 3 series", "Ford Focus",
				    "VW Golf",	 "Toyota Prius", "Vauxhall Corsa",
				    "Mercedes C class", "Nissan Qashqai"};
static const char *const items[] = {
	"laptop and jewellery", "TV and games console", "cash and car keys",
	"power tools",		"bicycle",		"handbag and bank cards"};
static const char *const shops[] = {"Co-op", "Tesco Express", "Boots",
				    "the off licence", "Greggs", "B&M"};
static const char *const staff[] = {"Sam", "Priya", "Tom", "Aisha", "Jo",
				    "Megan", "Dan", "Kerry"};
static const char *const nonascii[] = {
	"Information passed by staff member Zoë.",
	"Seen earlier outside the café on {S}.",
	"Neighbour said ‘it happens most weekends’.",
	"Manager Chloë informed.",
	"Caller Renée states the same.",
	"Reported via the school’s safeguarding lead.",
	"Distance approx 200m – CCTV requested."};

/* Indicator phrases for CSE records. A phrase is a predicate ("subj": the
 * child reference is put in front) or a whole sentence. rule/weight/cat
 * are the pack rule it is written to hit (rules/ folder); a phrase may hit
 * others too, which only raises the score. Slots are expanded by expand():
 *   {C} child ref  {r} her/him  {p} her/his  {s} she/he
 *   {S} street {D} district {T} town {V} VRM ({v} plain) {X} car {P} phone
 *   {U} shop {E} staff name {K} male number {A} adult age {H} early hours hhmm {e} evening hhmm
 *   {N} small number {W} weeks {R} a planted entity's spelling */
struct phrase {
	const char *rule;
	int weight;
	int cat;
	int subj;
	const char *tpl;
};

enum {
	CAT_MISSING,
	CAT_OLDER,
	CAT_GIFTS,
	CAT_VEHICLES,
	CAT_PREMISES,
	CAT_DRUGS,
	CAT_HEALTH,
	CAT_SCHOOL,
	CAT_BEHAVIOUR,
	CAT_ONLINE,
	CAT_PEER,
	CAT_INJURIES,
	CAT_DISCLOSURE,
	CAT_MOVEMENT,
	CAT_LAC,
	CAT_EXPLICIT,
	CAT_COUNT
};

static const struct phrase cse_phrases[] = {
	{"missing.episode", 1, CAT_MISSING, 1, "reported MFH by carers at {e}hrs"},
	{"missing.episode", 1, CAT_MISSING, 1, "went missing after school, located by patrols on {S}"},
	{"missing.episode", 1, CAT_MISSING, 1, "absconded from the children's home"},
	{"missing.late_return", 1, CAT_MISSING, 1, "returned {H}hrs, would not say where {s} had been"},
	{"missing.late_return", 1, CAT_MISSING, 1, "stayed out all night, returned home at {H}hrs"},
	{"missing.repeat", 2, CAT_MISSING, 1, "has had {N} missing episodes in {W} weeks"},
	{"missing.repeat", 2, CAT_MISSING, 0, "Repeat MFH from placement, trigger plan reviewed"},
	{"older.older_male", 2, CAT_OLDER, 1, "seen with an older male near {S} at {H}hrs"},
	{"older.older_male", 2, CAT_OLDER, 1, "associating with adult males at an address in {D}"},
	{"older.older_male", 2, CAT_OLDER, 1, "picked up from school by males in their 30s"},
	{"older.adult_with_child", 2, CAT_OLDER, 1, "seen in company of Male {K} ({A}) on {S}"},
	{"older.boyfriend_adult", 2, CAT_OLDER, 1, "says {s} has a boyfriend ({A}) who has a car"},
	{"older.boyfriend_adult", 2, CAT_OLDER, 1, "has an older boyfriend who collects {r} from school"},
	{"older.contact_number", 1, CAT_OLDER, 1, "receiving calls from {P} late at night"},
	{"gifts.phones", 1, CAT_GIFTS, 1, "has a new iPhone {s} cannot explain"},
	{"gifts.phones", 1, CAT_GIFTS, 1, "found with 2 phones and a SIM card"},
	{"gifts.money_gifts", 1, CAT_GIFTS, 0, "Males bought {r} food and vapes"},
	{"gifts.money_gifts", 1, CAT_GIFTS, 1, "has unexplained money and new clothes"},
	{"gifts.money_gifts", 1, CAT_GIFTS, 0, "Hotel key card found in {p} bag"},
	{"vehicles.picked_up", 2, CAT_VEHICLES, 1, "picked up by an unknown male in a car, described as a {X}"},
	{"vehicles.picked_up", 2, CAT_VEHICLES, 1, "seen getting into a car ({X}) with older males"},
	{"vehicles.picked_up", 2, CAT_VEHICLES, 1, "dropped off at {H}hrs by Male {K} ({A}) in a car"},
	{"vehicles.vrm_with_child", 1, CAT_VEHICLES, 1, "seen getting out of {X} {V} on {S}"},
	{"vehicles.taxi_driver", 2, CAT_VEHICLES, 1, "given free lifts by a taxi driver"},
	{"vehicles.taxi_driver", 2, CAT_VEHICLES, 1, "seen with delivery drivers at the rear of a takeaway"},
	{"vehicles.waiting_near_home", 2, CAT_VEHICLES, 0, "Staff report a car waiting outside the children's home most nights"},
	{"premises.venue", 1, CAT_PREMISES, 1, "found at a hotel near {S}"},
	{"premises.venue", 1, CAT_PREMISES, 1, "taken to the flat above a takeaway near {S}"},
	{"premises.venue", 1, CAT_PREMISES, 1, "attended a party at an address in {D}"},
	{"premises.adult_address", 2, CAT_PREMISES, 1, "located at the address of an adult male in {D}"},
	{"premises.adult_address", 2, CAT_PREMISES, 1, "found at an address of concern at {H}hrs"},
	{"drugs.intoxicated", 1, CAT_DRUGS, 1, "returned intoxicated"},
	{"drugs.intoxicated", 1, CAT_DRUGS, 1, "smelt strongly of cannabis on return"},
	{"drugs.supplied_by_adults", 2, CAT_DRUGS, 0, "The males supplied {r} with cannabis and vodka"},
	{"drugs.supplied_by_adults", 2, CAT_DRUGS, 0, "Male {K} gave them alcohol at the flat"},
	{"health.sexual_health", 2, CAT_HEALTH, 1, "attended the sexual health clinic twice this month"},
	{"health.sexual_health", 2, CAT_HEALTH, 1, "requested the morning after pill from the school nurse"},
	{"school.absence", 1, CAT_SCHOOL, 1, "not been in school for {N} weeks"},
	{"school.absence", 1, CAT_SCHOOL, 0, "EWO reports poor attendance since September"},
	{"behaviour.change", 1, CAT_BEHAVIOUR, 0, "Carers say {s} has become secretive about {p} phone"},
	{"behaviour.change", 1, CAT_BEHAVIOUR, 1, "self-harming and withdrawn from family"},
	{"online.sexual_contact", 2, CAT_ONLINE, 1, "sending indecent images to an older male on Snapchat"},
	{"online.sexual_contact", 2, CAT_ONLINE, 1, "met him online and then at the bus station"},
	{"peer.introduced", 2, CAT_PEER, 1, "introduced to the males by a friend from school"},
	{"peer.introduced", 2, CAT_PEER, 1, "believed to be recruiting younger girls for the group"},
	{"injuries.unexplained", 1, CAT_INJURIES, 1, "has unexplained bruising to {p} arms"},
	{"injuries.unexplained", 1, CAT_INJURIES, 1, "had love bites on {p} neck on return"},
	{"injuries.threats", 1, CAT_INJURIES, 0, "Male {K} threatened {p} family, told {r} to keep quiet"},
	{"disclosure.withdrawn", 2, CAT_DISCLOSURE, 1, "withdrew {p} disclosure the following day"},
	{"disclosure.withdrawn", 2, CAT_DISCLOSURE, 1, "does not wish to support a complaint at this time"},
	{"disclosure.made", 3, CAT_DISCLOSURE, 1, "disclosed sexual activity with Male {K}"},
	{"movement.out_of_area", 2, CAT_MOVEMENT, 1, "found in {T}, out of force area, at {H}hrs"},
	{"movement.out_of_area", 2, CAT_MOVEMENT, 1, "located at an address with no known links to the area"},
	{"lac.status", 1, CAT_LAC, 0, "LAC, resident at a children's home in {D}"},
	{"lac.status", 1, CAT_LAC, 0, "Foster carers report {s} came back late again"},
	{"explicit.cse_concern", 3, CAT_EXPLICIT, 0, "Concerns of CSE raised by the school"},
	{"explicit.cse_concern", 3, CAT_EXPLICIT, 1, "believed to be being groomed by Male {K}"},
	{"explicit.cse_concern", 3, CAT_EXPLICIT, 1, "assessed as at risk of sexual exploitation"},
};

/* Victim-blaming wording (language rules, weight 0), in some CSE records. */
static const char *const blame_phrases[] = {
	"Staff describe it as a lifestyle choice",
	"Staff say the YP keeps putting themselves at risk",
	"Described as promiscuous by school staff",
	"{s} states it was consensual",
	"Missing reports seen as attention seeking"};

/* Ordinary logs. None may reach the threshold; some rely on context cues
 * (negation, hypothetical, historical) to stay under it. */
static const char *const benign[] = {
	"Burglary dwelling at {n} {S}. Rear door forced, {I} taken. Suspect vehicle {X} {V} seen leaving at {H}hrs. CCTV requested.",
	"Burglary at {n} {S}, entry via insecure window. Nothing taken, {I} moved. House to house completed.",
	"ASB: youths gathering outside the {U} on {S}, shouting at staff. Dispersed by patrols, words of advice given.",
	"ASB, repeat calls re groups on bikes on {S} estate. Patrol plan in place.",
	"Male {K} ({A}) believed to be dealing cannabis from the flat above the takeaway on {S}, using 2 phones. Footfall reported by neighbours.",
	"Drugs intel: Male {K} ({A}) and Male 2 ({A}) using {X} {V} to deliver cocaine across {D}. Source graded reliable.",
	"Mobile phone reported missing from locker at the leisure centre on {S}. No suspects.",
	"Theft of pedal cycle from outside {n} {S}. Bike reported missing by owner at {h}hrs.",
	"Car parked on driveway at {n} {S} with lights on, owner informed.",
	"RTC on {S} involving two cars, minor damage, no injuries. VRMs {v} and {v} exchanged details.",
	"Female 1 ({a}) seen with her boyfriend ({b}) in the park at {e}hrs. Both in school uniform, no CSE concerns.",
	"MFH returned {e}hrs, safe and well, no concerns. RHI offered.",
	"MFH returned {e}hrs, safe and well, no concerns.",
	"Welfare check on Child {L} ({a}) at home address following call from school. Safe and well, no concerns.",
	"Shoplifting at {U} on {S}: Male {K} ({A}) took {I}. Detained by staff, community resolution.",
	"Noise complaint: loud music at {n} {S} until {H}hrs. Occupant advised.",
	"Fraud: elderly female ({O}) recieved calls from {P} claiming to be her bank. Advice given.",
	"Child {L} ({a}) excluded from school for fighting. Parents engaging, no further concerns.",
	"EWO visit re attendance of Child {L}; family cooperative.",
	"LAC Child {L} ({a}) returned to the children's home at {e}hrs as agreed. Placement stable.",
	"Male {K} ({A}) drunk and abusive to door staff at a nightclub on {S}, ejected, words of advice.",
	"Child {L} ({a}) spoken to at school re Snapchat use; no evidence of contact with adults. No CSE concerns identified.",
	"Report that Child {L} ({a}) was with an older male in the park. Enquiries made: male identified as her father. No evidence of contact with older males and no concerns of CSE.",
	"Trigger plan for Child {L} ({a}): if she goes missing staff to call police immediately.",
	"Child {L} ({a}) was previously MFH and at risk of CSE in 2019; case closed, now settled at home.",
	"Verbal argument between Male {K} ({A}) and partner at {n} {S}. No offences disclosed, DASH completed: standard risk.",
	"Child {L} ({a}) and friends stopped on {S} at {e}hrs, smelt of cannabis, parents informed.",
	"Taxi driver reports passenger Male {K} ({A}) made off without paying on {S}.",
	"Found property: handbag handed in at front counter, owner traced.",
	"Mum's partner Male {K} ({A}) reported for criminal damage at {n} {S}, seperate incident to last week.",
	"Hotel on {S} reports guest Male {K} ({A}) left without paying. Enquiries ongoing.",
	"Criminal damage to bus shelter on {S}, \"no witnesses\" according to caller.",
	"Male {K} ({A}) stopped in {X} {V} on {S}, no insurance, vehicle seized.",
	"Child {L} ({a}) denies being picked up by older males in a car; enquiries confirm dad collected her. No concerns.",
	"Store detective {E} at the {U} reports repeat shoplifting by Male {K} ({A}), images circulated.",
	"Graffiti on {S} underpass, photos taken, council informed.",
	"Concern for welfare: Male {K} ({A}) located safe and well at home address.",
	"Intel: stolen quad bikes stored in a lock-up off {S}. Definately worth a visit, recce tasked.",
	"Child {L} ({a}) reported being bullied on WhatsApp by classmates ({a}); school dealing, words of advice."};

static const char *const qualifying_types[] = {
	"tasking", "referral", "strategy_meeting", "crime_report",
	"arrest", "disruption", "safeguarding_visit"};
static const char *const rationales_for[] = {
	/* parallel to qualifying_types */
	"Tasked to identify the male and vehicle",
	"Referral to MASH for strategy discussion",
	"Strategy meeting held with social care, health and education",
	"Crime recorded, OIC allocated",
	"Male arrested on suspicion, interviewed",
	"Child abduction warning notice served",
	"Safeguarding visit completed with carers, plan agreed"};
static const char *const nfa_rationales[] = {
	"Information shared with children's social care, risk managed under existing CP plan",
	"Reviewed by DS: already subject of a strategy meeting the same week",
	"Duplicate of an earlier log, action taken on that one, see rationale \"dup\""};

/* ---- generator state ----------------------------------------------------- */

enum target { T_NONE, T_ACTIONED, T_LATE, T_GAP, T_OPEN };

struct rec {
	long day;
	int sla;
	int plant;	       /* 1 + index into gen.plants, or 0 */
	unsigned char cse;
	unsigned char target;
	unsigned char in_time; /* a qualifying action in log..log+sla */
	unsigned char late;    /* a qualifying action after log+sla */
	unsigned char member;  /* position in its plant (spelling variant) */
	unsigned char keep_gap; /* a plant's gap: never cited by a neighbour */
};

/* ---- planted repeat intelligence ------------------------------------------
 * Groups of CSE records citing one entity, written so that gapscan's chain
 * finder (K = 3 flagged records within W = 90 days, one of them a gap) must
 * report exactly the `chain` and `links` groups and none of the others. */

enum { CHAIN_K = 3, CHAIN_W = 90, PLANT_MAX = 6 };

enum kind { K_SUBJECT, K_VRM, K_PHONE, K_PLACE, K_LOCATION, K_COUNT };

enum design {
	D_CHAIN,	/* 3-6 records within 90 days, one a gap */
	D_SPREAD,	/* 3 records, each more than 90 days from the next */
	D_PAIR,		/* 2 records within 60 days */
	D_NOGAP,	/* 3 records within 60 days, none a gap */
	D_LINKS,	/* a chain seen only through links.csv */
	D_LINKS_PAIR,	/* 2 flagged records linked to one location */
	D_UNFLAGGED	/* 4 unflagged records linked to one location */
};

static const char *const design_names[] = {
	"chain", "spread", "pair", "nogap", "links", "links_pair", "unflagged"};
static const char *const kind_names[] = {"subject", "vrm", "phone", "place",
					 "location"};

struct plant {
	int kind, design;
	char value[32];	 /* "KX84 RTD", "07700 900011", "Wharf Street" */
	char entity[48]; /* as gs_chains_normalise gives it: "vrm:KX84RTD" */
	long member[PLANT_MAX];
	int n;
};

struct gen {
	long n;
	uint64_t seed;
	long as_of;
	long bad_rows;
	const char *out;
	struct rec *recs;
	struct rng rng;  /* records and actions */
	struct rng brng; /* bad rows */
	long next_action;
	struct rng crng; /* planted groups */
	struct rng lrng; /* links file */
	int links;	 /* --links given */
	int in_bad;	 /* writing a bad row: no counters touched */
	struct plant *plants;
	size_t nplants, plants_cap;
	int nkind[K_COUNT];
	long next_subject; /* CSE subjects are unique, planted ones aside */
	long next_vrm;	   /* CSE background registrations, unique */
	long next_phone;   /* CSE background numbers 900100-900999, unique */
	long cur;	   /* record being written */
	FILE *plants_out, *chains_out, *links_out;
	char plant_text[48]; /* the {R} slot: the spelling written */
	long intel_line;	/* physical line the next intel row starts on */
	struct sbuf text, row;
	FILE *intel, *actions, *labels, *bad;
	/* per-record narrative context */
	char child_ref[32];
	int child_age;
	int male; /* child is a boy */
};

static void fmt_day(char *buf, size_t n, long day)
{
	int y, m, d;

	civil_from_days(day, &y, &m, &d);
	snprintf(buf, n, "%04d-%02d-%02d", y, m, d);
}

/* A timestamp for day in one of three ISO shapes. */
static void fmt_stamp(struct rng *r, char *buf, size_t n, long day)
{
	char date[64];
	int hh = rng_range(r, 0, 23);
	int mm = rng_range(r, 0, 59);

	fmt_day(date, sizeof(date), day);
	switch (rng_below(r, 3)) {
	case 0:
		snprintf(buf, n, "%s", date);
		break;
	case 1:
		snprintf(buf, n, "%sT%02d:%02d", date, hh, mm);
		break;
	default:
		snprintf(buf, n, "%s %02d:%02d:%02d", date, hh, mm,
			 rng_range(r, 0, 59));
		break;
	}
}

/* A UK-style registration with an age identifier 10-73 (planted ones use
 * 74-99); decorated: sometimes "VRM " or quotes. unique >= 0 gives the
 * letters of the unique-th registration of a permutation of all 23^5
 * letter strings (CSE records: no two share one); -1 draws them. */
static void add_vrm(struct rng *r, struct sbuf *b, int decorated, long unique)
{
	static const char letters[] = "ABCDEFGHJKLMNOPRSTUVWXY";
	const unsigned long space = 23UL * 23 * 23 * 23 * 23;
	unsigned long code = 0;
	char v[9];
	int q = decorated ? (int)rng_below(r, 10) : 9;

	if (unique >= 0) /* 1000003 is coprime with 23^5: a bijection */
		code = ((unsigned long)unique % space * 1000003UL + 12345) % space;
	v[0] = letters[unique >= 0 ? code % 23 : rng_below(r, sizeof(letters) - 1)];
	v[1] = letters[unique >= 0 ? code / 23 % 23
				   : rng_below(r, sizeof(letters) - 1)];
	{
		int num = rng_range(r, 10, 73);

		v[2] = (char)('0' + num / 10);
		v[3] = (char)('0' + num % 10);
	}
	v[4] = ' ';
	code /= 23 * 23;
	for (int i = 5; i < 8; i++) {
		v[i] = letters[unique >= 0 ? code % 23
					   : rng_below(r, sizeof(letters) - 1)];
		code /= 23;
	}
	v[8] = '\0';
	if (q < 4)
		sb_addf(b, "VRM %s", v);
	else if (q < 6)
		sb_addf(b, "'%s'", v);
	else if (q < 8)
		sb_addf(b, "\"%s\"", v);
	else if (q < 9)
		sb_addf(b, "\xE2\x80\x98%s\xE2\x80\x99", v); /* ‘ ’ */
	else
		sb_add(b, v);
}

/* Expands the slots of tpl (see struct phrase) into b. */
static void expand(struct gen *g, struct sbuf *b, const char *tpl)
{
	struct rng *r = &g->rng;

	for (const char *c = tpl; *c; c++) {
		if (c[0] != '{' || c[1] == '\0' || c[2] != '}') {
			sb_addc(b, *c);
			continue;
		}
		switch (c[1]) {
		case 'C': sb_add(b, g->child_ref); break;
		case 'r': sb_add(b, g->male ? "him" : "her"); break;
		case 'p': sb_add(b, g->male ? "his" : "her"); break;
		case 's': sb_add(b, g->male ? "he" : "she"); break;
		case 'S': sb_add(b, PICK(r, streets)); break;
		case 'D': sb_add(b, PICK(r, districts)); break;
		case 'T': sb_add(b, PICK(r, towns)); break;
		case 'U': sb_add(b, PICK(r, shops)); break;
		case 'E': sb_add(b, PICK(r, staff)); break;
		case 'I': sb_add(b, PICK(r, items)); break;
		case 'V':
			add_vrm(r, b, 1, g->recs[g->cur].cse ? g->next_vrm++ : -1);
			break;
		case 'v': add_vrm(r, b, 0, -1); break;
		case 'R': sb_add(b, g->plant_text); break;
		case 'X':
			sb_addf(b, "%s %s", PICK(r, colours), PICK(r, makes));
			break;
		case 'P': /* CSE records: 900100-900999, each once */
			if (g->recs[g->cur].cse)
				sb_addf(b, "07700 900%03ld",
					100 + (g->next_phone++ * 7 + 3) % 900);
			else
				sb_addf(b, "07700 900%03u", rng_below(r, 1000));
			break;
		case 'K': sb_addf(b, "%d", rng_range(r, 1, 3)); break;
		case 'A': sb_addf(b, "%d", rng_range(r, 22, 49)); break;
		case 'O': sb_addf(b, "%d", rng_range(r, 70, 91)); break;
		case 'a': sb_addf(b, "%d", g->child_age); break;
		case 'b': /* same-age boyfriend */
			sb_addf(b, "%d", g->child_age + rng_range(r, 0, 1) > 17
						 ? 17
						 : g->child_age + rng_range(r, 0, 1));
			break;
		case 'L': sb_addc(b, (char)('A' + rng_below(r, 8))); break;
		case 'n': sb_addf(b, "%d", rng_range(r, 1, 180)); break;
		case 'N': sb_addf(b, "%d", rng_range(r, 3, 9)); break;
		case 'W': sb_addf(b, "%d", rng_range(r, 4, 8)); break;
		case 'H':
			sb_addf(b, "0%d%02d", rng_range(r, 0, 5),
				rng_range(r, 0, 59));
			break;
		case 'e':
			sb_addf(b, "%d%02d", rng_range(r, 20, 23),
				rng_range(r, 0, 59));
			break;
		case 'h':
			sb_addf(b, "%d%02d", rng_range(r, 9, 18),
				rng_range(r, 0, 59));
			break;
		default: sb_addn(b, c, 3); break;
		}
		c += 2;
	}
}

static void end_sentence(struct gen *g, struct sbuf *b)
{
	if (rng_pct(&g->rng, 4))
		sb_add(b, ".\n");
	else
		sb_add(b, ". ");
}

/* Sentences carrying a planted entity ({R}), each in a shape the pack's
 * capture takes: vehicles.vrm_with_child (a registration with a child
 * reference within 200 bytes), older.contact_number (a calls/texts/number
 * word, then an 07 number, a child within 250 bytes), premises.venue
 * (hotel/takeaway/party "on" a street). None is near a context cue. */
static const char *const vrm_sentences[] = {
	"{C} seen getting out of a {X} {R}",
	"{C} seen in a car {R} near {S} at {H}hrs",
	"Officers stopped a {X} {R} with {C} in the back"};
static const char *const phone_sentences[] = {
	"{C} receiving calls from {R} late at night",
	"{C} has been texting {R} most evenings",
	"{C} has the number {R} saved in {p} phone under a nickname"};
static const char *const place_sentences[] = {
	"{C} found at a hotel on {R}",
	"{C} taken to the flat above a takeaway on {R}",
	"{C} seen at a house party on {R}"};

/* Writes into out the v-th spelling of a planted value: registrations in
 * six spellings ("KX84 RTD", "kx84rtd", "KX84RTD", "kx84 rtd", "Kx84 Rtd",
 * "KX84 rtd"), numbers in three ("07700 900011", "07700900011",
 * "07700 900 011"), places in three cases. */
static void spelling(const struct plant *p, int v, char *out, size_t outsz)
{
	const char *s = p->value;
	size_t k = 0;

	for (size_t i = 0; s[i] && k + 2 < outsz; i++) {
		char c = s[i];
		int word_start = i == 0 || s[i - 1] == ' ';

		if (p->kind == K_VRM) {
			if (c == ' ' && (v == 1 || v == 2))
				continue;
			if ((v == 1 || v == 3 || (v == 4 && !word_start) ||
			     (v == 5 && i > 4)) &&
			    c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
		} else if (p->kind == K_PHONE) {
			if (c == ' ' && v % 3 == 1)
				continue;
			if (v % 3 == 2 && i == 9)
				out[k++] = ' ';
		} else if (p->kind == K_PLACE) {
			if (v % 3 == 1 && c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			else if (v % 3 == 2 && c >= 'a' && c <= 'z')
				c = (char)(c - 'a' + 'A');
		}
		out[k++] = c;
	}
	out[k] = '\0';
}

/* Appends the sentence carrying the current record's planted entity (none
 * for subjects: they are in subject_refs) and lists it in plants.csv. */
static void plant_sentence(struct gen *g, struct sbuf *b)
{
	struct rng *r = &g->rng;
	const struct rec *rc = &g->recs[g->cur];
	const struct plant *p = &g->plants[rc->plant - 1];
	char word[40];
	const char *tpl = NULL;

	spelling(p, (rc->member + (int)(rc->plant - 1)) % 6, word, sizeof(word));
	switch (p->kind) {
	case K_VRM: {
		static const char *const deco[][2] = {
			{"VRM ", ""}, {"'", "'"}, {"", ""}};
		unsigned d = rng_below(r, 3);

		snprintf(g->plant_text, sizeof(g->plant_text), "%s%s%s",
			 deco[d][0], word, deco[d][1]);
		tpl = PICK(r, vrm_sentences);
		break;
	}
	case K_PHONE:
		snprintf(g->plant_text, sizeof(g->plant_text), "%s", word);
		tpl = PICK(r, phone_sentences);
		break;
	case K_PLACE:
		snprintf(g->plant_text, sizeof(g->plant_text), "%s", word);
		tpl = PICK(r, place_sentences);
		break;
	default:
		snprintf(word, sizeof(word), "%s", p->value);
		break;
	}
	if (tpl) {
		end_sentence(g, b);
		expand(g, b, tpl);
	}
	fprintf(g->plants_out, "%d,%s,%s,%s,INT-%06ld,%s\n", rc->plant,
		design_names[p->design], kind_names[p->kind], p->entity,
		g->cur + 1, word);
}

/* A CSE narrative: phrases from at least two categories whose rule weights
 * reach 3, each rule once. */
static void cse_narrative(struct gen *g, struct sbuf *b)
{
	struct rng *r = &g->rng;
	unsigned char used_rule[NELEM(cse_phrases)] = {0};
	unsigned char used_cat[CAT_COUNT] = {0};
	int score = 0, ncat = 0, nphr = 0;
	char letter = (char)('A' + rng_below(r, 8));
	int form = (int)rng_below(r, 5);

	g->male = rng_pct(r, 15);
	g->child_age = rng_range(r, 11, 17);
	switch (form) {
	case 0:
		sb_addf(b, "Child %c (%d)", letter, g->child_age);
		snprintf(g->child_ref, sizeof(g->child_ref), "Child %c", letter);
		break;
	case 1:
		sb_addf(b, "%s 1 (%d)", g->male ? "Male" : "Female",
			g->child_age);
		snprintf(g->child_ref, sizeof(g->child_ref), "YP");
		break;
	case 2:
		sb_addf(b, "YP (%d)", g->child_age);
		snprintf(g->child_ref, sizeof(g->child_ref), "YP");
		break;
	case 3:
		sb_addf(b, "Child %c, %dyrs,", letter, g->child_age);
		snprintf(g->child_ref, sizeof(g->child_ref), "Child %c", letter);
		break;
	default:
		sb_addf(b, "MFC Child %c (%d)", letter, g->child_age);
		snprintf(g->child_ref, sizeof(g->child_ref), "Child %c", letter);
		break;
	}
	if (rng_pct(r, 8))
		sb_add(b, " located safe and well but");
	while ((score < 3 || ncat < 2) && nphr < 6) {
		size_t i = rng_below(r, (unsigned)NELEM(cse_phrases));
		const struct phrase *ph = &cse_phrases[i];
		int dup = 0;

		for (size_t j = 0; j < NELEM(cse_phrases); j++)
			if (used_rule[j] && strcmp(cse_phrases[j].rule, ph->rule) == 0)
				dup = 1;
		/* background numbers are used once each: none left */
		if (dup || (g->next_phone >= 900 && strstr(ph->tpl, "{P}")))
			continue;
		used_rule[i] = 1;
		if (nphr > 0) {
			end_sentence(g, b);
			if (ph->subj) {
				sb_add(b, g->child_ref);
				sb_addc(b, ' ');
			}
		} else {
			sb_addc(b, ' ');
			if (!ph->subj) {
				/* first phrase is a sentence of its own */
				sb_add(b, "seen by officers on ");
				sb_add(b, PICK(r, streets));
				end_sentence(g, b);
			}
		}
		sb_reserve(b, 1);
		{
			size_t at = b->len;

			expand(g, b, ph->tpl);
			if (!ph->subj && b->p[at] >= 'a' && b->p[at] <= 'z')
				b->p[at] = (char)(b->p[at] - 'a' + 'A');
		}
		score += ph->weight;
		if (!used_cat[ph->cat]) {
			used_cat[ph->cat] = 1;
			ncat++;
		}
		nphr++;
	}
	if (g->recs[g->cur].plant)
		plant_sentence(g, b);
	if (rng_pct(r, 20)) {
		size_t at;

		end_sentence(g, b);
		at = b->len;
		expand(g, b, PICK(r, blame_phrases));
		if (b->p[at] >= 'a' && b->p[at] <= 'z')
			b->p[at] = (char)(b->p[at] - 'a' + 'A');
	}
	sb_addc(b, '.');
}

static void benign_narrative(struct gen *g, struct sbuf *b)
{
	g->child_age = rng_range(&g->rng, 11, 16);
	g->male = 0;
	expand(g, b, PICK(&g->rng, benign));
}

static void narrative(struct gen *g, struct sbuf *b, int cse)
{
	struct rng *r = &g->rng;

	sb_clear(b);
	if (cse)
		cse_narrative(g, b);
	else
		benign_narrative(g, b);
	if (rng_pct(r, 5)) {
		sb_addc(b, ' ');
		expand(g, b, PICK(r, nonascii));
	}
	if (rng_pct(r, 3)) /* some forces' systems shout */
		for (size_t i = 0; i < b->len; i++)
			if (b->p[i] >= 'a' && b->p[i] <= 'z')
				b->p[i] = (char)(b->p[i] - 'a' + 'A');
}

static void grading(struct rng *r, char *buf, size_t n)
{
	if (rng_pct(r, 85))
		snprintf(buf, n, "%d%c %c", rng_range(r, 1, 3),
			 (char)('A' + rng_below(r, 5)), rng_pct(r, 80) ? 'P' : 'C');
	else
		snprintf(buf, n, "%c%d%d", (char)('A' + rng_below(r, 5)),
			 rng_range(r, 1, 5), rng_range(r, 1, 5));
}

/* subject_refs of record i. In a CSE record every subject is new (a
 * counter), except the planted one of a subject plant: so subjects recur
 * among flagged records only where planted. Other records draw theirs at
 * random (they are never flagged); so do bad rows, which must not move
 * the counter. */
static void subjects(struct gen *g, struct sbuf *b, long i)
{
	struct rng *r = &g->rng;
	const struct rec *rc = &g->recs[i];
	int cse = rc->cse && !g->in_bad;
	int k = cse ? rng_range(r, 1, 2) : rng_range(r, 0, 2);

	for (int j = 0; j < k; j++) {
		if (j)
			sb_addc(b, ';');
		if (cse && j == 0 && rc->plant &&
		    g->plants[rc->plant - 1].kind == K_SUBJECT)
			sb_add(b, g->plants[rc->plant - 1].value);
		else if (cse)
			sb_addf(b, "SUBJ-%05ld", ++g->next_subject);
		else
			sb_addf(b, "SUBJ-%05ld",
				1 + (long)rng_below(r, (unsigned)(g->n + 1)));
	}
}

/* ---- actions ------------------------------------------------------------- */

static int is_qualifying(const char *type, const char *rationale)
{
	if (strcmp(type, "nfa") == 0) {
		for (const char *c = rationale; *c; c++)
			if (*c != ' ' && *c != '\t')
				return 1;
		return 0;
	}
	for (size_t i = 0; i < NELEM(qualifying_types); i++)
		if (strcmp(type, qualifying_types[i]) == 0)
			return 1;
	return 0;
}

static void credit(struct gen *g, long idx, long day, int qualifies)
{
	struct rec *rc;

	if (idx < 0 || idx >= g->n || !qualifies)
		return;
	rc = &g->recs[idx];
	if (day < rc->day)
		return; /* before the log: never qualifies */
	if (day <= rc->day + rc->sla)
		rc->in_time = 1;
	else
		rc->late = 1;
}

/* Writes one action citing idx (and idx2 when >= 0; an id >= n is unknown)
 * and credits the records it cites. */
static void emit_action(struct gen *g, long idx, long idx2, const char *type,
			const char *rationale, long day)
{
	struct rng *r = &g->rng;
	struct sbuf *b = &g->row;
	char stamp[96], id[40];
	int q = is_qualifying(type, rationale);

	if (day > g->as_of)
		day = g->as_of;
	sb_clear(b);
	sb_addf(b, "ACT-%07ld,", ++g->next_action);
	snprintf(id, sizeof(id), "INT-%06ld", idx + 1);
	sb_add(b, id);
	if (idx2 >= 0)
		sb_addf(b, ";INT-%06ld", idx2 + 1);
	sb_addc(b, ',');
	sb_add(b, type);
	sb_addc(b, ',');
	fmt_stamp(r, stamp, sizeof(stamp), day);
	sb_add(b, stamp);
	sb_addc(b, ',');
	sb_add(b, PICK(r, units));
	sb_addc(b, ',');
	sb_csv(b, rationale);
	sb_addc(b, '\n');
	fwrite(b->p, 1, b->len, g->actions);
	credit(g, idx, day, q);
	credit(g, idx2, day, q);
}

static const char *rationale_of(struct rng *r, const char *type)
{
	if (strcmp(type, "nfa") == 0)
		return PICK(r, nfa_rationales);
	for (size_t i = 0; i < NELEM(qualifying_types); i++)
		if (strcmp(type, qualifying_types[i]) == 0)
			return rng_pct(r, 85) ? rationales_for[i] : "";
	return "";
}

/* A qualifying action for record i on day, sometimes also citing a
 * neighbour (one action for two logs). */
static void qualifying_action(struct gen *g, long i, long day)
{
	struct rng *r = &g->rng;
	const char *type = rng_pct(r, 10) ? "nfa" : PICK(r, qualifying_types);
	long other = -1;

	if (rng_pct(r, 6)) {
		other = i + 1 < g->n ? i + 1 : i - 1;
		if (other >= 0 && g->recs[other].keep_gap)
			other = -1; /* a planted chain keeps its gap */
	}
	emit_action(g, i, other, type, rationale_of(r, type), day);
}

/* A non-qualifying action: noted, filed, bare nfa, nfa with blank reason. */
static void idle_action(struct gen *g, long i, long day)
{
	struct rng *r = &g->rng;

	switch (rng_below(r, 4)) {
	case 0:
		emit_action(g, i, -1, "noted", "Noted on system", day);
		break;
	case 1:
		emit_action(g, i, -1, "filed", "", day);
		break;
	case 2:
		emit_action(g, i, -1, "nfa", "", day);
		break;
	default:
		emit_action(g, i, -1, "nfa", "  ", day);
		break;
	}
}

static void actions_for(struct gen *g, long i)
{
	struct rng *r = &g->rng;
	struct rec *rc = &g->recs[i];
	long room = g->as_of - rc->day;

	switch (rc->target) {
	case T_ACTIONED:
		if (rng_pct(r, 20))
			idle_action(g, i, rc->day);
		qualifying_action(g, i,
				  rc->day + rng_range(r, 0, (int)(room < rc->sla ? room : rc->sla)));
		if (rng_pct(r, 25) && room > rc->sla)
			qualifying_action(g, i, rc->day + rc->sla +
						 rng_range(r, 1, (int)(room - rc->sla)));
		break;
	case T_LATE: {
		long span = room - rc->sla - 1;

		if (rng_pct(r, 40))
			idle_action(g, i, rc->day + rng_range(r, 0, rc->sla));
		qualifying_action(g, i, rc->day + rc->sla + 1 +
					 rng_range(r, 0, (int)(span < 90 ? span : 90)));
		break;
	}
	case T_GAP:
		if (rng_pct(r, 50))
			idle_action(g, i, rc->day + rng_range(r, 0, (int)room));
		if (rng_pct(r, 15)) /* data quality: dated before the log */
			emit_action(g, i, -1, PICK(r, qualifying_types),
				    "Entered against the wrong log date",
				    rc->day - rng_range(r, 1, 20));
		break;
	case T_OPEN:
		if (rng_pct(r, 40))
			idle_action(g, i, rc->day + rng_range(r, 0, (int)room));
		break;
	default:
		if (rng_pct(r, 35)) {
			static const char *const types[] = {
				"crime_report", "arrest", "noted", "filed",
				"tasking", "nfa"};
			const char *type = PICK(r, types);
			long day = rc->day + rng_range(r, 0, 30);

			if (rng_pct(r, 3))
				day = rc->day - rng_range(r, 1, 5);
			emit_action(g, i, -1, type, rationale_of(r, type), day);
		}
		break;
	}
	if (rng_pct(r, 1)) /* cites an id that is not in the export */
		emit_action(g, g->n + 100000 + (long)rng_below(r, 800000), -1,
			    "tasking", "Tasked from a partner agency referral",
			    rc->day + rng_range(r, 0, (int)room));
}

/* ---- records ------------------------------------------------------------- */

static void plan_records(struct gen *g)
{
	struct rng *r = &g->rng;

	for (long i = 0; i < g->n; i++) {
		struct rec *rc = &g->recs[i];
		unsigned pri;
		int u;

		rc->cse = (unsigned char)rng_pct(r, 10);
		pri = rng_below(r, 100);
		if (rc->cse)
			rc->sla = pri < 15 ? 1 : pri < 45 ? 3 : 7;
		else
			rc->sla = pri < 3 ? 1 : pri < 13 ? 3 : 7;
		if (!rc->cse) {
			rc->target = T_NONE;
			rc->day = g->as_of - rng_range(r, 0, 364);
			continue;
		}
		u = (int)rng_below(r, 100);
		if (u < 45) {
			rc->target = T_ACTIONED;
			rc->day = g->as_of - rng_range(r, 0, 364);
		} else if (u < 65) {
			rc->target = T_LATE;
			rc->day = g->as_of - rc->sla - 1 -
				  rng_range(r, 1, 363 - rc->sla);
		} else if (u < 90) {
			rc->target = T_GAP;
			rc->day = g->as_of - rng_range(r, rc->sla + 1, 364);
		} else {
			rc->target = T_OPEN;
			rc->day = g->as_of - rng_range(r, 0, rc->sla);
		}
	}
}

/* ---- planting ------------------------------------------------------------ */

static struct plant *new_plant(struct gen *g, int kind, int design)
{
	static const char *const names[] = {
		"Wharf",  "Tanner", "Orchard", "Quarry", "Kiln",   "Weaver",
		"Cooper", "Bridge", "Meadow",  "Spring", "Forge",  "Beech",
		"Holly",  "Hazel",  "Willow",  "Rope",	 "Cotton", "Ferry",
		"Lime",	  "Rowan"};
	static const char *const suffixes[] = {"Street", "Road",   "Lane",
					       "Avenue", "Close",  "Way",
					       "Parade", "Square"};
	static const char *const prefix = "ABCDEFGHJKLMNOPRSTUVWXY";
	static const char *const suffix = "BCDGHJKLNPRSTVWXY"; /* no MFH/LAC */
	struct plant *p;
	int j = g->nkind[kind]++;

	if (g->nplants == g->plants_cap) {
		g->plants_cap = g->plants_cap ? g->plants_cap * 2 : 64;
		g->plants = realloc(g->plants, g->plants_cap * sizeof(*g->plants));
		if (g->plants == NULL) {
			fputs("corpus-gen: out of memory\n", stderr);
			abort();
		}
	}
	p = &g->plants[g->nplants++];
	memset(p, 0, sizeof(*p));
	p->kind = kind;
	p->design = design;
	switch (kind) {
	case K_SUBJECT: /* before any background subject: never reused */
		snprintf(p->value, sizeof(p->value), "SUBJ-%05ld",
			 ++g->next_subject);
		snprintf(p->entity, sizeof(p->entity), "subject:%s", p->value);
		break;
	case K_VRM: /* age identifier 74-99: background ones are 10-73 */
		for (;;) {
			int dup = 0;
			struct rng *r = &g->crng;

			snprintf(p->value, sizeof(p->value), "%c%c%02d %c%c%c",
				 prefix[rng_below(r, 23)], prefix[rng_below(r, 23)],
				 74 + j % 26, suffix[rng_below(r, 17)],
				 suffix[rng_below(r, 17)], suffix[rng_below(r, 17)]);
			for (size_t k = 0; k + 1 < g->nplants; k++)
				dup |= strcmp(g->plants[k].value, p->value) == 0;
			if (!dup)
				break;
		}
		snprintf(p->entity, sizeof(p->entity), "vrm:%.4s%.3s", p->value,
			 p->value + 5);
		break;
	case K_PHONE: /* 900000-900099: background ones are 900100-900999 */
		snprintf(p->value, sizeof(p->value), "07700 900%03d",
			 (j * 37 + 11) % 100);
		snprintf(p->entity, sizeof(p->entity), "phone:07700900%03d",
			 (j * 37 + 11) % 100);
		break;
	case K_PLACE: {
		int c = 0;

		snprintf(p->value, sizeof(p->value), "%s %s", names[j % 20],
			 suffixes[(j / 20 + j) % 8]);
		c = snprintf(p->entity, sizeof(p->entity), "place:%s", p->value);
		for (int k = 6; k < c; k++)
			if (p->entity[k] >= 'A' && p->entity[k] <= 'Z')
				p->entity[k] = (char)(p->entity[k] - 'A' + 'a');
		break;
	}
	default:
		snprintf(p->value, sizeof(p->value), "LOC-%04d", 1000 + 37 * j);
		snprintf(p->entity, sizeof(p->entity), "location:%s", p->value);
		break;
	}
	return p;
}

/* Target of a planted member that need not be a gap. */
static unsigned char plant_target(struct rng *r, int gap_allowed)
{
	unsigned u = rng_below(r, 100);

	if (u < 45)
		return T_ACTIONED;
	if (u < 70 || !gap_allowed)
		return T_LATE;
	return T_GAP;
}

/* Takes n CSE records from pool[*pos...] into a new plant of kind and
 * design, on days d0 + off[m]; member gap_at (or none when < 0) is a gap
 * that keeps its status. Planted days lie in [as_of - 364, as_of - 9], so
 * a gap or late target always fits. */
static void place_plant(struct gen *g, int kind, int design, const long *pool,
			long *pos, int n, const int *off, int gap_at)
{
	struct plant *p = new_plant(g, kind, design);
	int span = off[n - 1];
	long d0 = g->as_of - 364 + rng_range(&g->crng, 0, 355 - span);

	p->n = n;
	for (int m = 0; m < n; m++) {
		long i = pool[(*pos)++];
		struct rec *rc = &g->recs[i];

		p->member[m] = i;
		rc->plant = (int)g->nplants;
		rc->member = (unsigned char)m;
		rc->day = d0 + off[m];
		if (m == gap_at) {
			rc->target = T_GAP;
			rc->keep_gap = 1;
		} else {
			rc->target = plant_target(&g->crng, design != D_NOGAP);
		}
	}
}

/* Plants, per round, one chain of each kind (subject, vrm, phone, place)
 * and three near misses of rotating kinds: a spread triple, a pair and a
 * triple without a gap. One round per 150 CSE records, 1 to 40 rounds;
 * none when there are fewer than 40 CSE records. */
static void plan_plants(struct gen *g)
{
	struct rng *r = &g->crng;
	long *pool, npool = 0, pos = 0, rounds;

	for (long i = 0; i < g->n; i++)
		npool += g->recs[i].cse;
	if (npool < 40)
		return;
	pool = malloc((size_t)npool * sizeof(*pool));
	if (pool == NULL) {
		fputs("corpus-gen: out of memory\n", stderr);
		abort();
	}
	npool = 0;
	for (long i = 0; i < g->n; i++)
		if (g->recs[i].cse)
			pool[npool++] = i;
	for (long i = npool - 1; i > 0; i--) { /* Fisher-Yates */
		long j = (long)(rng_next(r) % (uint64_t)(i + 1)), t = pool[i];

		pool[i] = pool[j];
		pool[j] = t;
	}
	rounds = npool / 150 < 1 ? 1 : npool / 150 > 40 ? 40 : npool / 150;
	for (long k = 0; k < rounds; k++) {
		int off[PLANT_MAX];

		for (int kind = K_SUBJECT; kind <= K_PLACE; kind++) {
			int n = rng_range(r, 3, PLANT_MAX);
			/* round 0's registration spans exactly W days */
			int span = k == 0 && kind == K_VRM ? CHAIN_W
							   : rng_range(r, 10, CHAIN_W);

			off[0] = 0;
			off[n - 1] = span;
			for (int m = 1; m < n - 1; m++)
				off[m] = rng_range(r, 0, span);
			for (int m = 1; m < n - 1; m++) /* keep them in order */
				for (int q = m + 1; q < n - 1; q++)
					if (off[q] < off[m]) {
						int t = off[m];

						off[m] = off[q];
						off[q] = t;
					}
			place_plant(g, kind, D_CHAIN, pool, &pos, n, off,
				    rng_range(r, 0, n - 1));
		}
		/* each step more than W days: round 0 exactly W + 1 */
		off[0] = 0;
		off[1] = k == 0 ? CHAIN_W + 1 : rng_range(r, CHAIN_W + 1, 120);
		off[2] = off[1] + (k == 0 ? CHAIN_W + 1 : rng_range(r, CHAIN_W + 1, 120));
		place_plant(g, (int)(k % 4), D_SPREAD, pool, &pos, 3, off, 0);
		off[1] = rng_range(r, 0, 60);
		place_plant(g, (int)((k + 1) % 4), D_PAIR, pool, &pos, 2, off,
			    (int)rng_below(r, 2));
		off[1] = rng_range(r, 0, 30);
		off[2] = off[1] + rng_range(r, 0, 30);
		place_plant(g, (int)((k + 2) % 4), D_NOGAP, pool, &pos, 3, off, -1);
	}
	free(pool);
}

static const char *priority_name(struct rng *r, int sla)
{
	if (sla == 1)
		return "urgent";
	if (sla == 3)
		return "high";
	return rng_pct(r, 80) ? "routine" : "";
}

static void count_lines(struct gen *g, const struct sbuf *b)
{
	for (size_t i = 0; i < b->len; i++)
		if (b->p[i] == '\n')
			g->intel_line++;
}

/* Appends a well-formed intel row for record i (id given) to row. */
static void intel_row(struct gen *g, struct sbuf *row, const char *id, long i,
		      const char *date_override, const char *text)
{
	struct rng *r = &g->rng;
	struct rec *rc = &g->recs[i];
	char stamp[96], grade[16];

	fmt_stamp(r, stamp, sizeof(stamp), rc->day);
	grading(r, grade, sizeof(grade));
	sb_add(row, id);
	sb_addc(row, ',');
	sb_add(row, date_override ? date_override : stamp);
	sb_addc(row, ',');
	sb_add(row, rc->cse && rng_pct(r, 40) ? "Child Exploitation Team"
					       : PICK(r, units));
	sb_addc(row, ',');
	sb_add(row, PICK(r, districts));
	sb_addc(row, ',');
	sb_add(row, grade);
	sb_addc(row, ',');
	sb_add(row, priority_name(r, rc->sla));
	sb_addc(row, ',');
	subjects(g, row, i);
	sb_addc(row, ',');
	sb_csv(row, text);
	sb_addc(row, '\n');
}

static const char *const bad_reasons[] = {"wrong field count", "missing id",
					  "duplicate id", "unparseable date",
					  "invalid UTF-8"};

/* Writes bad row number k (kind k % 5), borrowing dates from record i;
 * a duplicate repeats the id of record dup, already written. The bad-row
 * stream is separate, so good rows do not depend on --bad-rows. */
static void bad_row(struct gen *g, long k, long i, long dup)
{
	struct rng saved = g->rng;
	struct sbuf *row = &g->row;
	int kind = (int)(k % 5);
	char id[40];

	g->rng = g->brng; /* intel_row draws from g->rng */
	g->in_bad = 1;
	snprintf(id, sizeof(id), "INT-X%05ld", k + 1);
	sb_clear(row);
	switch (kind) {
	case 0: /* seven fields: narrative dropped */
		intel_row(g, row, id, i, NULL, "x");
		row->len -= 3; /* ",x\n" */
		row->p[row->len] = '\0';
		sb_addc(row, '\n');
		break;
	case 1:
		intel_row(g, row, "", i, NULL, "Noise complaint, occupant advised.");
		break;
	case 2:
		snprintf(id, sizeof(id), "INT-%06ld", dup + 1);
		intel_row(g, row, id, i, NULL, "Duplicate export of an earlier log.");
		break;
	case 3:
		intel_row(g, row, id, i, "31/02/2026", "Shed broken into, tools taken.");
		break;
	default:
		intel_row(g, row, id, i, NULL, "Caller name garbled \xFF in export.");
		break;
	}
	g->brng = g->rng;
	g->rng = saved;
	g->in_bad = 0;
	fprintf(g->bad, "%ld,%s\n", g->intel_line, bad_reasons[kind]);
	fwrite(row->p, 1, row->len, g->intel);
	count_lines(g, row);
}

static void write_records(struct gen *g)
{
	struct sbuf *row = &g->row;
	long k = 0;

	fputs("intel_id,logged_at,unit,district,grading,priority,subject_refs,"
	      "narrative\n",
	      g->intel);
	fputs("action_id,intel_id,action_type,action_at,unit,rationale\n",
	      g->actions);
	g->intel_line = 2;
	for (long i = 0; i < g->n; i++) {
		char id[40];

		/* bad row k goes before record (k+1)*n/(K+1), never record 0 */
		while (k < g->bad_rows &&
		       i == (k + 1) * g->n / (g->bad_rows + 1) && i > 0) {
			bad_row(g, k, i, i - 1);
			k++;
		}
		g->cur = i;
		narrative(g, &g->text, g->recs[i].cse);
		snprintf(id, sizeof(id), "INT-%06ld", i + 1);
		sb_clear(row);
		intel_row(g, row, id, i, NULL, g->text.p);
		fwrite(row->p, 1, row->len, g->intel);
		count_lines(g, row);
		actions_for(g, i);
	}
	for (; k < g->bad_rows; k++) /* only when n is tiny */
		bad_row(g, k, g->n - 1, g->n - 1);
}

/* The status gapscan must give record i (from the actions written). */
static const char *status_of(const struct gen *g, long i)
{
	const struct rec *rc = &g->recs[i];

	if (!rc->cse)
		return "none";
	if (rc->in_time)
		return "actioned";
	if (rc->late)
		return "late";
	if (g->as_of - rc->day <= rc->sla)
		return "open";
	return "gap";
}

static void write_labels(struct gen *g)
{
	fputs("intel_id,is_cse,expected_status\n", g->labels);
	for (long i = 0; i < g->n; i++)
		fprintf(g->labels, "INT-%06ld,%d,%s\n", i + 1, g->recs[i].cse,
			status_of(g, i));
}

/* ---- links file and ground truth ----------------------------------------- */

/* Up to want records other than skip, CSE or not as cse says, unplanted,
 * logged within radius days of day, drawn at random into out. */
static int near_records(struct gen *g, long skip, long day, int radius,
			int cse, long *out, int want)
{
	int got = 0;
	long start = (long)rng_below(&g->lrng, (unsigned)g->n);

	for (long s = 0; s < g->n && got < want; s++) {
		long i = (start + s) % g->n;
		const struct rec *rc = &g->recs[i];

		if (i != skip && rc->cse == cse && !rc->plant &&
		    labs(rc->day - day) <= radius)
			out[got++] = i;
	}
	return got;
}

/* A new links plant of members m[0..n-1]. */
static void links_plant(struct gen *g, int design, const long *m, int n)
{
	struct plant *p = new_plant(g, K_LOCATION, design);

	p->n = n;
	for (int k = 0; k < n; k++) {
		p->member[k] = m[k];
		g->recs[m[k]].plant = (int)g->nplants;
		g->recs[m[k]].member = (unsigned char)k;
	}
}

/* Plants the links-only groups: a chain of 3-5 flagged records around a
 * gap (all within 45 days of it), a flagged pair, four unflagged records;
 * then writes links.csv in record order, with a unique person or address
 * link on some other records and one link to an id not in the export. */
static void write_links(struct gen *g)
{
	static const char *const types[] = {"location", "Location", "LOCATION"};
	/* the ref as written: bare, or with a space gapscan trims */
	static const char *const pads[][2] = {{"", ""}, {" ", ""}, {"", " "}};
	struct rng *r = &g->lrng;
	long m[PLANT_MAX], next_ref = 0;
	int n;

	for (int tries = 0; tries < 200; tries++) {
		long i = (long)rng_below(r, (unsigned)g->n);

		if (!g->recs[i].cse || g->recs[i].plant ||
		    strcmp(status_of(g, i), "gap") != 0)
			continue;
		m[0] = i;
		n = 1 + near_records(g, i, g->recs[i].day, CHAIN_W / 2, 1, m + 1,
				     rng_range(r, 2, 4));
		if (n >= CHAIN_K) {
			links_plant(g, D_LINKS, m, n);
			break;
		}
	}
	for (int tries = 0; tries < 200; tries++) {
		long i = (long)rng_below(r, (unsigned)g->n);

		if (!g->recs[i].cse || g->recs[i].plant)
			continue;
		m[0] = i;
		if (near_records(g, i, g->recs[i].day, CHAIN_W, 1, m + 1, 1) == 1) {
			links_plant(g, D_LINKS_PAIR, m, 2);
			break;
		}
	}
	for (int tries = 0; tries < 200; tries++) {
		long i = (long)rng_below(r, (unsigned)g->n);

		if (g->recs[i].cse || g->recs[i].plant)
			continue;
		m[0] = i;
		if (near_records(g, i, g->recs[i].day, 30, 0, m + 1, 3) == 3) {
			links_plant(g, D_UNFLAGGED, m, 4);
			break;
		}
	}
	fputs("intel_id,entity_type,entity_ref,link_reason\n", g->links_out);
	for (long i = 0; i < g->n; i++) {
		const struct rec *rc = &g->recs[i];

		if (rc->plant && g->plants[rc->plant - 1].kind == K_LOCATION) {
			const struct plant *p = &g->plants[rc->plant - 1];
			char ref[48];

			snprintf(ref, sizeof(ref), "%s%s%s", pads[rc->member % 3][0],
				 p->value, pads[rc->member % 3][1]);
			fprintf(g->links_out, "INT-%06ld,%s,%s,seen at address\n",
				i + 1, types[(rc->member + 1) % 3], ref);
			fprintf(g->plants_out, "%d,%s,%s,%s,INT-%06ld,%s\n",
				rc->plant, design_names[p->design],
				kind_names[p->kind], p->entity, i + 1, p->value);
		} else if (rng_pct(r, rc->cse ? 30 : 5)) {
			int addr = rng_pct(r, 50);

			fprintf(g->links_out, "INT-%06ld,%s,%s-%06ld,%s\n", i + 1,
				addr ? "address" : "person", addr ? "ADDR" : "PER",
				++next_ref, addr ? "home address" : "associate");
		}
	}
	fprintf(g->links_out, "INT-%06ld,location,LOC-0001,partner agency\n",
		g->n + 100000 + (long)rng_below(r, 800000));
}

static int cmp_member(const struct gen *g, long a, long b)
{
	if (g->recs[a].day != g->recs[b].day)
		return g->recs[a].day < g->recs[b].day ? -1 : 1;
	return (a > b) - (a < b);
}

/* Writes chains.csv: the chains gapscan's finder must report among the
 * planted groups (background entities never repeat among flagged records),
 * by the finder's definition: flagged members by day, a window of CHAIN_W
 * days holding at least CHAIN_K of them, overlapping windows joined, and
 * at least one gap in the chain. */
static void write_chains(struct gen *g)
{
	long chain_id = 0;

	fputs("chain_id,entity,intel_id\n", g->chains_out);
	for (size_t k = 0; k < g->nplants; k++) {
		const struct plant *p = &g->plants[k];
		long m[PLANT_MAX];
		int n = 0, lo = 0, clo = 0, chi = -1, open = 0;

		for (int i = 0; i < p->n; i++) { /* flagged ones, by day */
			long x = p->member[i];
			int at;

			if (!g->recs[x].cse)
				continue;
			at = n++;
			while (at > 0 && cmp_member(g, m[at - 1], x) > 0) {
				m[at] = m[at - 1];
				at--;
			}
			m[at] = x;
		}
		for (int j = 0; j <= n; j++) {
			int flush = j == n;

			if (!flush) {
				while (g->recs[m[j]].day - g->recs[m[lo]].day > CHAIN_W)
					lo++;
				if (j - lo + 1 < CHAIN_K)
					continue;
				if (open && lo <= chi) {
					chi = j;
					continue;
				}
			}
			if (open) {
				int gaps = 0;

				for (int q = clo; q <= chi; q++)
					gaps += strcmp(status_of(g, m[q]), "gap") == 0;
				if (gaps)
					chain_id++;
				for (int q = clo; q <= chi && gaps; q++)
					fprintf(g->chains_out, "%ld,%s,INT-%06ld\n",
						chain_id, p->entity, m[q] + 1);
			}
			open = !flush;
			clo = lo;
			chi = j;
		}
	}
}

/* ---- command line -------------------------------------------------------- */

static void usage(FILE *fp)
{
	fputs("usage: corpus-gen --records N --seed S --as-of YYYY-MM-DD "
	      "--out DIR [--bad-rows K] [--links]\n"
	      "Writes DIR/intel.csv, DIR/actions.csv, DIR/labels.csv, "
	      "DIR/plants.csv and DIR/chains.csv\n"
	      "(and DIR/bad_rows.csv with --bad-rows, DIR/links.csv with "
	      "--links).\n"
	      "Exit codes: 0 ok, 2 usage error, 5 I/O error.\n",
	      fp);
}

static int parse_long(const char *s, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	return errno != 0 || end == s || *end != '\0' || *out < 0;
}

static FILE *open_out(const char *dir, const char *name)
{
	char path[4096];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "wb");
	if (fp == NULL) {
		fprintf(stderr, "corpus-gen: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	setvbuf(fp, NULL, _IOFBF, 1 << 20);
	return fp;
}

static int close_out(FILE *fp, const char *name)
{
	int bad;

	if (fp == NULL)
		return 0;
	bad = ferror(fp);
	if (fclose(fp) != 0 || bad) {
		fprintf(stderr, "corpus-gen: %s: write failed\n", name);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct gen g;
	const char *as_of = NULL;
	long seed = -1;
	int rc = 0;

	memset(&g, 0, sizeof(g));
	g.n = -1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		int bad = 0;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return 0;
		}
		if (strcmp(a, "--links") == 0) {
			g.links = 1;
			continue;
		}
		if (v == NULL) {
			fprintf(stderr, "corpus-gen: option '%s' needs a value\n", a);
			usage(stderr);
			return EXIT_USAGE;
		}
		if (strcmp(a, "--records") == 0)
			bad = parse_long(v, &g.n);
		else if (strcmp(a, "--seed") == 0)
			bad = parse_long(v, &seed);
		else if (strcmp(a, "--bad-rows") == 0)
			bad = parse_long(v, &g.bad_rows);
		else if (strcmp(a, "--as-of") == 0)
			as_of = v;
		else if (strcmp(a, "--out") == 0)
			g.out = v;
		else {
			fprintf(stderr, "corpus-gen: unknown option '%s'\n", a);
			usage(stderr);
			return EXIT_USAGE;
		}
		if (bad) {
			fprintf(stderr, "corpus-gen: bad value '%s' for %s\n", v, a);
			return EXIT_USAGE;
		}
		i++;
	}
	if (g.n <= 0 || seed < 0 || as_of == NULL || g.out == NULL) {
		fputs("corpus-gen: --records (> 0), --seed, --as-of and --out "
		      "are required\n",
		      stderr);
		usage(stderr);
		return EXIT_USAGE;
	}
	g.as_of = parse_iso_day(as_of);
	if (g.as_of < 0) {
		fprintf(stderr, "corpus-gen: bad --as-of '%s' (want YYYY-MM-DD)\n",
			as_of);
		return EXIT_USAGE;
	}
	if (g.n > 9999999 || g.bad_rows > 99999) {
		fputs("corpus-gen: at most 9999999 records and 99999 bad rows\n",
		      stderr);
		return EXIT_USAGE;
	}
	g.seed = (uint64_t)seed;
	g.rng.s = g.seed;
	g.brng.s = g.seed ^ 0x6261645F726F7773ULL; /* "bad_rows" */
	g.crng.s = g.seed ^ 0x636861696E730000ULL; /* "chains" */
	g.lrng.s = g.seed ^ 0x6C696E6B73000000ULL; /* "links" */
	if (mkdir(g.out, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "corpus-gen: %s: %s\n", g.out, strerror(errno));
		return EXIT_IO;
	}
	g.recs = calloc((size_t)g.n, sizeof(*g.recs));
	if (g.recs == NULL) {
		fputs("corpus-gen: out of memory\n", stderr);
		return EXIT_IO;
	}
	g.intel = open_out(g.out, "intel.csv");
	g.actions = open_out(g.out, "actions.csv");
	g.labels = open_out(g.out, "labels.csv");
	if (g.bad_rows > 0) {
		g.bad = open_out(g.out, "bad_rows.csv");
		if (g.bad)
			fputs("line,reason_prefix\n", g.bad);
	}
	g.plants_out = open_out(g.out, "plants.csv");
	g.chains_out = open_out(g.out, "chains.csv");
	if (g.links)
		g.links_out = open_out(g.out, "links.csv");
	if (!g.intel || !g.actions || !g.labels || (g.bad_rows > 0 && !g.bad) ||
	    !g.plants_out || !g.chains_out || (g.links && !g.links_out)) {
		rc = EXIT_IO;
		goto out;
	}
	fputs("group,design,kind,entity,intel_id,written\n", g.plants_out);
	plan_records(&g);
	plan_plants(&g);
	write_records(&g);
	write_labels(&g);
	if (g.links)
		write_links(&g);
	write_chains(&g);
out:
	if (close_out(g.intel, "intel.csv") != 0)
		rc = EXIT_IO;
	if (close_out(g.actions, "actions.csv") != 0)
		rc = EXIT_IO;
	if (close_out(g.labels, "labels.csv") != 0)
		rc = EXIT_IO;
	if (close_out(g.bad, "bad_rows.csv") != 0)
		rc = EXIT_IO;
	if (close_out(g.plants_out, "plants.csv") != 0)
		rc = EXIT_IO;
	if (close_out(g.chains_out, "chains.csv") != 0)
		rc = EXIT_IO;
	if (close_out(g.links_out, "links.csv") != 0)
		rc = EXIT_IO;
	free(g.plants);
	free(g.recs);
	free(g.text.p);
	free(g.row.p);
	return rc;
}
